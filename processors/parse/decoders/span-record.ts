import type { SpanRecord } from '../../../pipeline/records.ts';
import { parseNodeId, workloadOf } from '../mesh/cluster.ts';
import { splitFlags } from '../normalise.ts';

export class SpanError extends Error {}

export interface SpanParts {
  traceId: string | null;
  spanId: string | null;
  parentId: string | null;
  name: string;
  kind: SpanRecord['span.kind'];
  startNs: bigint;
  endNs: bigint;
  status: SpanRecord['span.status'];
  serviceName: string | null;
  attributes: Record<string, string | number | boolean>;
  resource?: Record<string, string | number | boolean>;
}

const HEX = /^[0-9a-f]+$/;

/**
 * The proxy's node id, read once per run of spans from the same proxy (all 512 spans of an export
 * carry the same one): the split and the workload regexes ran once per span.
 */
let lastNodeId: string | null = null;
let lastNode: { workload: string | null; namespace: string | null } | null = null;
export function nodeOf(nodeId: string | null): { workload: string | null; namespace: string | null } | null {
  if (nodeId === lastNodeId) return lastNode;
  const node = parseNodeId(nodeId);
  lastNodeId = nodeId;
  lastNode = node ? { workload: node.pod ? workloadOf(node.pod) : null, namespace: node.namespace } : null;
  return lastNode;
}

/** `http.request.id` from the request id tag: Envoy may wrap it in `["…"]`. */
export function requestIdOf(raw: string | null): string | null {
  return raw ? raw.replace(/^\[?"?|"?\]?$/g, '') : null;
}

/** `http.response.status_code` from the status tag's text: digits only, else null. */
export function statusCodeOf(text: string | null): number | null {
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * The keys of a SpanRecord in the order `spanRecord` writes them (the `k8s.*` keys of the
 * resource follow): the wire decoder writes records in this order without building them.
 */
export const SPAN_RECORD_KEYS = [
  '@timestamp',
  'event.dataset',
  'trace.id',
  'span.id',
  'parent.id',
  'span.name',
  'span.kind',
  'span.start_ns',
  'span.end_ns',
  'event.duration',
  'span.status',
  'service.name',
  'http.request.id',
  'http.response.status_code',
  'envoy.upstream.cluster',
  'envoy.response_flags',
  'mesh.source.workload',
  'mesh.source.namespace',
  'attributes',
] as const;

/**
 * Builds a SpanRecord and reads what Envoy puts in its tags: the request id (`guid:x-request-id`,
 * or OTel's `http.request.header.x_request_id`), the upstream cluster, response flags, status
 * and the Istio node id (source workload and namespace). Ids must be hex of the right length.
 */
export function spanRecord(p: SpanParts): SpanRecord {
  if (
    !p.traceId ||
    !HEX.test(p.traceId) ||
    (p.traceId.length !== 16 && p.traceId.length !== 32) ||
    /^0+$/.test(p.traceId)
  ) {
    throw new SpanError(`invalid trace id ${JSON.stringify(p.traceId)}`);
  }
  if (!p.spanId || !HEX.test(p.spanId) || p.spanId.length !== 16 || /^0+$/.test(p.spanId))
    throw new SpanError(`invalid span id ${JSON.stringify(p.spanId)}`);
  const a = p.attributes;
  const str = (k: string) => (a[k] === undefined || a[k] === '' ? null : String(a[k]));
  const requestId =
    str('guid:x-request-id') ?? str('http.request.header.x_request_id') ?? str('http.request.header.x-request-id');
  const statusText = str('http.status_code') ?? str('http.response.status_code');
  const node = nodeOf(str('node_id'));
  const rec: SpanRecord = {
    '@timestamp': new Date(Number(p.startNs / 1_000_000n)).toISOString(),
    'event.dataset': 'mesh.span',
    'trace.id': p.traceId,
    'span.id': p.spanId,
    'parent.id': p.parentId && !/^0+$/.test(p.parentId) ? p.parentId : null,
    'span.name': p.name,
    'span.kind': p.kind,
    'span.start_ns': p.startNs.toString(),
    'span.end_ns': p.endNs.toString(),
    'event.duration': Number(p.endNs - p.startNs),
    'span.status': p.status,
    'service.name': p.serviceName,
    'http.request.id': requestIdOf(requestId),
    'http.response.status_code': statusCodeOf(statusText),
    'envoy.upstream.cluster': str('upstream_cluster') ?? str('upstream_cluster.name'),
    'envoy.response_flags': splitFlags(str('response_flags')),
    'mesh.source.workload': node?.workload ?? null,
    'mesh.source.namespace': node?.namespace ?? str('istio.namespace'),
    attributes: a,
  };
  for (const [k, v] of Object.entries(p.resource ?? {})) {
    if (k.startsWith('k8s.')) rec[k as `k8s.${string}`] = String(v);
  }
  return rec;
}
