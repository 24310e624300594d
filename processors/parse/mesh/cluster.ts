import type { Direction } from '../../../pipeline/records.ts';

export interface ClusterInfo {
  direction: Direction;
  service: string | null;
  namespace: string | null;
  port: number | null;
  subset: string | null;
}

const UNKNOWN: ClusterInfo = { direction: 'unknown', service: null, namespace: null, port: null, subset: null };

/**
 * Reads Istio's cluster naming:
 * - `outbound|9080|v2|reviews.default.svc.cluster.local` (subset may be empty)
 * - `inbound|9080||` (1.6+; the service is not in the name) and the older
 *   `inbound|8000|http|svc.ns.svc.cluster.local` (third part is the port name, not a subset)
 * - SNI form `outbound_.9080_.v2_.reviews.default.svc.cluster.local`
 * - `PassthroughCluster`, `InboundPassthroughCluster*`, `BlackHoleCluster`
 * A trailing `;` (alt_stat_name from Istio 1.23, istio/istio#54219) is ignored.
 */
export function parseCluster(raw: string | null | undefined): ClusterInfo {
  if (!raw) return UNKNOWN;
  const name = raw.endsWith(';') ? raw.slice(0, -1) : raw;
  if (name === 'PassthroughCluster' || name.startsWith('InboundPassthroughCluster'))
    return { ...UNKNOWN, direction: 'passthrough' };
  if (name === 'BlackHoleCluster') return { ...UNKNOWN, direction: 'blackhole' };
  let parts: string[];
  if (name.includes('|')) parts = name.split('|');
  else if (/^(outbound|inbound)_\./.test(name)) parts = name.split('_.');
  else return { ...UNKNOWN };
  const [dir, portText, third = '', host = ''] = parts;
  if (dir !== 'outbound' && dir !== 'inbound') return { ...UNKNOWN };
  const port = /^\d+$/.test(portText ?? '') ? Number(portText) : null;
  const { service, namespace } = splitHost(host);
  // Inbound clusters name the port, not a subset, in their third part.
  const subset = dir === 'outbound' && third ? third : null;
  return { direction: dir, service, namespace, port, subset };
}

/** `reviews.default.svc.cluster.local` → reviews / default; `reviews:9080` → reviews / null. */
export function splitHost(host: string | null | undefined): { service: string | null; namespace: string | null } {
  if (!host) return { service: null, namespace: null };
  const noPort = host.replace(/:\d+$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(noPort) || noPort.startsWith('[')) return { service: null, namespace: null };
  const labels = noPort.split('.');
  const svcIdx = labels.indexOf('svc');
  if (svcIdx === 2) return { service: labels[0], namespace: labels[1] };
  if (labels.length === 2) return { service: labels[0], namespace: labels[1] };
  return { service: labels[0] || null, namespace: null };
}

/**
 * Istio node ids: `sidecar~10.1.2.3~reviews-v2-abc.default~default.svc.cluster.local` and
 * `router~…` for gateways. Returns the pod, namespace and whether it is a gateway.
 */
export function parseNodeId(
  nodeId: string | null | undefined,
): { pod: string | null; namespace: string | null; gateway: boolean } | null {
  if (!nodeId) return null;
  const parts = nodeId.split('~');
  if (parts.length < 4) return null;
  const [type, , podNs, domain] = parts;
  const dot = podNs.lastIndexOf('.');
  const pod = dot > 0 ? podNs.slice(0, dot) : podNs;
  const namespace = dot > 0 ? podNs.slice(dot + 1) : (domain.split('.')[0] ?? null);
  return { pod, namespace, gateway: type === 'router' };
}

/** A pod name without its ReplicaSet and pod hash: `reviews-v2-5b64f47978-q5s9x` → `reviews-v2`. */
export function workloadOf(pod: string): string {
  return pod.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
}
