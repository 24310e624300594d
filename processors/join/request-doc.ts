import type { ErrorClass, HopSummary, JoinState, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import type { PackedHop } from './hop.ts';
import { isServerFault } from '../../pipeline/mesh/error-class.ts';
import { synthesizeSpans } from './synthesize.ts';
import { callTree } from './tree.ts';
import { filled } from './exact-arrays.ts';
import { IsoFormatter } from '../../pipeline/time/iso.ts';

const FAILING = new Set<ErrorClass>(['app', 'mesh', 'no_route', 'rate_limited']);

/** Requests are emitted roughly in time order: most timestamps share the last one's minute. */
const iso = new IsoFormatter();

export interface BufferedRequest {
  id: string;
  /** Earliest start seen, epoch ms; hop offsets are relative to it. */
  base: number;
  hops: PackedHop[];
  spans: SpanRecord[] | null;
}

const stripSemicolon = (c: string | null | undefined) => (c?.endsWith(';') ? c.slice(0, -1) : (c ?? null));

/**
 * Which span belongs to which hop: client spans to outbound/gateway hops, server spans to
 * inbound hops, same upstream cluster, then same source workload, then the closest start.
 */
function attachSpans(req: BufferedRequest, spans: SpanRecord[], order: number[], summaries: HopSummary[]): void {
  const taken = filled(order.length, 0);
  for (const span of spans) {
    const kind = span['span.kind'];
    const startMs = Number(BigInt(span['span.start_ns']) / 1_000_000n) - req.base;
    if (kind !== 'server' && kind !== 'client') continue;
    const cluster = stripSemicolon(span['envoy.upstream.cluster']);
    const workload = span['mesh.source.workload'];
    let best = -1;
    let bestScore = Infinity;
    for (let pos = 0; pos < order.length; pos++) {
      if (taken[pos]) continue;
      const h = req.hops[order[pos]];
      if ((kind === 'server') !== (h.profile.direction === 'inbound')) continue;
      const hopCluster = cluster ? stripSemicolon(h.profile.cluster) : null;
      if (hopCluster && cluster !== hopCluster) continue;
      const workloadMismatch =
        workload && h.profile.sourceWorkload && workload !== h.profile.sourceWorkload ? 10_000 : 0;
      const score = workloadMismatch + Math.abs(startMs - h.start);
      if (score < bestScore) {
        best = pos;
        bestScore = score;
      }
    }
    if (best !== -1) {
      taken[best] = 1;
      summaries[best].span_id = span['span.id'];
    }
  }
}

/**
 * One RequestDoc from what is buffered for a request id. Runs once per request on the main
 * thread: loops over arrays, no Maps, Sets or entry arrays for what is usually four hops.
 */
export function buildRequestDoc(
  req: BufferedRequest,
  state: JoinState,
  opts: { skewMs: number; synthesize: boolean },
): RequestDoc {
  const hops = req.hops;
  // First: the earliest hop, usually first in call order, then finds its time in the formatter's cache.
  const timestamp = iso.format(req.base);
  const { order, parent } = callTree(hops, opts.skewMs);
  // position[hopIdx]: where the hop is in call order.
  const position = filled(hops.length, -1);
  for (let pos = 0; pos < order.length; pos++) position[order[pos]] = pos;
  const summaries = new Array<HopSummary>(order.length);
  let hopLabels = false;
  for (let pos = 0; pos < order.length; pos++) {
    const hopIdx = order[pos];
    const h = hops[hopIdx];
    if (h.labels !== null) hopLabels = true;
    // An inbound cluster (`inbound|9080||`) does not name the service; its caller's cluster does.
    const p = parent[hopIdx];
    const service =
      h.profile.service ?? (h.profile.direction === 'inbound' && p !== -1 ? hops[p].profile.service : null);
    summaries[pos] = {
      index: pos,
      parent: p === -1 ? null : position[p],
      '@timestamp': iso.format(req.base + h.start),
      service,
      direction: h.profile.direction,
      route: h.profile.route,
      status: h.profile.status,
      flags: h.profile.flags ? h.profile.flags.split(',') : [],
      'event.duration': h.duration < 0 ? null : h.duration * 1_000_000,
      error_class: h.profile.errorClass,
      cluster: h.profile.cluster,
    };
  }
  const given = req.spans ?? [];
  if (given.length > 0) attachSpans(req, given, order, summaries);

  let end = req.base;
  for (const h of hops) end = Math.max(end, req.base + h.start + Math.max(h.duration, 0));
  for (const s of given) end = Math.max(end, Number(BigInt(s['span.end_ns']) / 1_000_000n));
  const root = summaries[0];
  const failed = failureOrigin(summaries);

  let spans = given;
  if (opts.synthesize && spans.length === 0 && summaries.some((s) => isServerFault(s.error_class))) {
    spans = synthesizeSpans(req.id, req.base, hops, summaries, order);
    for (let i = 0; i < summaries.length; i++) summaries[i].span_id = spans[i]['span.id'];
  }
  // Distinct trace ids in span order.
  const traceIds: string[] = [];
  for (const s of spans) if (!traceIds.includes(s['trace.id'])) traceIds.push(s['trace.id']);
  const doc: RequestDoc = {
    '@timestamp': timestamp,
    'event.dataset': 'meshlog.request',
    'http.request.id': req.id,
    'trace.id': traceIds[0] ?? null,
    'mesh.hops': summaries,
    spans,
    'http.response.status_code': root?.status ?? null,
    'mesh.error_class': root?.error_class ?? 'ok',
    'mesh.failed_hop': failed ? failed.index : null,
    'mesh.failed_hop_error_class': failed ? failed.error_class : null,
    'event.duration': (end - req.base) * 1_000_000,
    'meshlog.join.state': state,
  };
  if (traceIds.length > 1) doc['trace.ids'] = traceIds;
  if (hopLabels || given.length > 0) addLabels(doc, hops, order, given);
  return doc;
}

/**
 * The request's labels on `doc` as `labels.<key>`: each key's value from the first hop in call
 * order that has it, else from the first span. Gathered in one object first, so the keys come out
 * in that object's order (integer-like keys first), as they always have.
 */
function addLabels(doc: RequestDoc, hops: PackedHop[], order: number[], spans: SpanRecord[]): void {
  let labels: Record<string, string> | null = null;
  for (const hopIdx of order) {
    const l = hops[hopIdx].labels;
    if (l !== null) for (const k in l) (labels ??= {})[k] ??= l[k];
  }
  for (const s of spans) {
    for (const k in s) if (k.startsWith('labels.')) (labels ??= {})[k.slice(7)] ??= s[k as keyof SpanRecord] as string;
  }
  if (labels !== null) for (const k in labels) doc[`labels.${k}`] = labels[k];
}

/**
 * Where the failure started: the first failing hop in call order below which nothing fails. A
 * gateway 503 caused by a `503 UF` three calls down points at the `UF` hop, not the gateway.
 */
function failureOrigin(summaries: HopSummary[]): HopSummary | undefined {
  let hasFailingBelow: number[] | null = null;
  for (const s of summaries) {
    if (!FAILING.has(s.error_class)) continue;
    if (hasFailingBelow === null) {
      hasFailingBelow = filled(summaries.length, 0);
    }
    for (let p = s.parent; p !== null && !hasFailingBelow[p]; p = summaries[p].parent) hasFailingBelow[p] = 1;
  }
  if (hasFailingBelow === null) return undefined;
  for (const s of summaries) if (FAILING.has(s.error_class) && !hasFailingBelow[s.index]) return s;
  return undefined;
}
