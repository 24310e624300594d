import type { Direction } from '../../../pipeline/records.ts';

export interface ClusterInfo {
  direction: Direction;
  service: string | null;
  namespace: string | null;
  port: number | null;
  subset: string | null;
  /** The host is not under the cluster domain (a ServiceEntry host such as `www.example.com`). */
  external: boolean;
  /** A pod address the name carries (`inbound-pod|9080||10.244.2.9`). */
  endpoint?: string | null;
}

/** The Kubernetes cluster domain meshlog assumes unless the parse config says otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

const UNKNOWN: ClusterInfo = {
  direction: 'unknown',
  service: null,
  namespace: null,
  port: null,
  subset: null,
  external: false,
};

/** Cluster names only a waypoint uses: the HBONE tunnel to the destination's ztunnel and its VIP/pod clusters. */
const WAYPOINT_TUNNELS = new Set(['connect_originate', 'inbound_CONNECT_originate', 'encap', 'main_internal']);

/**
 * Reads Istio's cluster naming:
 * - `outbound|9080|v2|reviews.default.svc.cluster.local` (subset may be empty)
 * - `inbound|9080||` (1.6+; the service is not in the name) and the older
 *   `inbound|8000|http|svc.ns.svc.cluster.local` (third part is the port name, not a subset)
 * - ambient waypoints: `inbound-vip|9080|http|reviews.ns.svc.cluster.local` (third part is the
 *   protocol, never a subset), `inbound-pod|9080||10.244.2.9`, `connect_originate`
 * - SNI form `outbound_.9080_.v2_.reviews.default.svc.cluster.local`
 * - `PassthroughCluster`, `InboundPassthroughCluster*`, `BlackHoleCluster`
 * A trailing `;` (alt_stat_name from Istio 1.23, istio/istio#54219) is ignored. Hosts outside
 * `<svc>.<ns>.svc.<clusterDomain>` (ServiceEntry hosts) are kept whole and marked external.
 */
export function parseCluster(raw: string | null | undefined, clusterDomain = DEFAULT_CLUSTER_DOMAIN): ClusterInfo {
  if (!raw) return UNKNOWN;
  const name = raw.endsWith(';') ? raw.slice(0, -1) : raw;
  if (name === 'PassthroughCluster' || name.startsWith('InboundPassthroughCluster'))
    return { ...UNKNOWN, direction: 'passthrough' };
  if (name === 'BlackHoleCluster') return { ...UNKNOWN, direction: 'blackhole' };
  if (WAYPOINT_TUNNELS.has(name)) return { ...UNKNOWN, direction: 'waypoint' };
  if (name.startsWith('outbound_.') || name.startsWith('inbound_.')) return parseSni(name, clusterDomain) ?? UNKNOWN;
  if (!name.includes('|')) return { ...UNKNOWN };
  const [dir, portText, third = '', host = ''] = name.split('|');
  const port = /^\d+$/.test(portText ?? '') ? Number(portText) : null;
  if (dir === 'inbound-vip') return { ...hostInfo(host, clusterDomain), direction: 'waypoint', port, subset: null };
  if (dir === 'inbound-pod') return { ...UNKNOWN, direction: 'waypoint', port, endpoint: host || null };
  if (dir !== 'outbound' && dir !== 'inbound') return { ...UNKNOWN };
  // Inbound clusters name the port, not a subset, in their third part.
  const subset = dir === 'outbound' && third ? third : null;
  return { ...hostInfo(host, clusterDomain), direction: dir, port, subset };
}

/**
 * The SNI Istio puts on mTLS hops: `outbound_.9080_.v1_.productpage.default.svc.cluster.local`
 * (`_._.` when there is no subset). Also read without the dot before the subset
 * (`outbound_.9080_v1_.productpage…`), a form seen in hand-written configs.
 */
export function parseSni(sni: string | null | undefined, clusterDomain = DEFAULT_CLUSTER_DOMAIN): ClusterInfo | null {
  if (!sni) return null;
  const m = /^(outbound|inbound)_\.(\d+)_\.?(.*?)_\.(.+)$/.exec(sni);
  if (!m) return null;
  return {
    ...hostInfo(m[4], clusterDomain),
    direction: m[1] as Direction,
    port: Number(m[2]),
    subset: m[3] || null,
  };
}

function hostInfo(
  host: string,
  clusterDomain: string,
): { service: string | null; namespace: string | null; external: boolean } {
  if (!host) return { service: null, namespace: null, external: false };
  const inCluster = splitClusterHost(host, clusterDomain);
  if (inCluster) return { ...inCluster, external: false };
  return { service: host, namespace: null, external: true };
}

/** `<svc>.<ns>.svc.<clusterDomain>` (optionally with `:port`), or null for any other host. */
export function splitClusterHost(
  host: string,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): { service: string; namespace: string } | null {
  const noPort = host.replace(/:\d+$/, '');
  const suffix = `.svc.${clusterDomain}`;
  const bare = noPort.endsWith(suffix) ? noPort.slice(0, -suffix.length) : null;
  if (bare === null) return null;
  const labels = bare.split('.');
  if (labels.length !== 2 || !labels[0] || !labels[1]) return null;
  return { service: labels[0], namespace: labels[1] };
}

/**
 * An authority as clients write it: `reviews.default.svc.cluster.local`, `reviews.default`,
 * `reviews:9080` (→ reviews, no namespace). IPs give nothing. `external` is true for a host with
 * dots that is not a Kubernetes name (`www.example.com`), which is kept whole as the service.
 */
export function splitHost(
  host: string | null | undefined,
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): { service: string | null; namespace: string | null; external?: boolean } {
  if (!host) return { service: null, namespace: null };
  const noPort = host.replace(/:\d+$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(noPort) || noPort.startsWith('[')) return { service: null, namespace: null };
  const inCluster = splitClusterHost(noPort, clusterDomain);
  if (inCluster) return inCluster;
  const labels = noPort.split('.');
  if (labels.length === 1) return { service: labels[0] || null, namespace: null };
  if (labels.length === 2 || (labels.length === 3 && labels[2] === 'svc'))
    return { service: labels[0], namespace: labels[1] };
  return { service: noPort, namespace: null, external: true };
}

/**
 * Istio node ids: `sidecar~10.1.2.3~reviews-v2-abc.default~default.svc.cluster.local`, `router~…`
 * for gateways and `waypoint~…` for ambient waypoints. Returns the pod, namespace and role.
 */
export function parseNodeId(
  nodeId: string | null | undefined,
): { pod: string | null; namespace: string | null; gateway: boolean; waypoint: boolean } | null {
  if (!nodeId) return null;
  const parts = nodeId.split('~');
  if (parts.length < 4) return null;
  const [type, , podNs, domain] = parts;
  const dot = podNs.lastIndexOf('.');
  const pod = dot > 0 ? podNs.slice(0, dot) : podNs;
  const namespace = dot > 0 ? podNs.slice(dot + 1) : (domain.split('.')[0] ?? null);
  return { pod, namespace, gateway: type === 'router', waypoint: type === 'waypoint' };
}

/** A pod name without its ReplicaSet and pod hash: `reviews-v2-5b64f47978-q5s9x` → `reviews-v2`. */
export function workloadOf(pod: string): string {
  return pod.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
}
