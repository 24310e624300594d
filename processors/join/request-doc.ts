import type { ErrorClass, HopSummary, JoinState, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import type { PackedHop } from './hop.ts';
import { isServerFault } from '../../pipeline/mesh/error-class.ts';
import { synthesizeSpans } from './synthesize.ts';
import { callTree } from './tree.ts';
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
function attachSpans(req: BufferedRequest, order: number[], summaries: HopSummary[]): void {
  const taken = new Set<number>();
  for (const span of req.spans ?? []) {
    const kind = span['span.kind'];
    const startMs = Number(BigInt(span['span.start_ns']) / 1_000_000n) - req.base;
    let best = -1;
    let bestScore = Infinity;
    order.forEach((hopIdx, pos) => {
      if (taken.has(pos)) return;
      const h = req.hops[hopIdx];
      const inbound = h.profile.direction === 'inbound';
      if ((kind === 'server') !== inbound || (kind !== 'server' && kind !== 'client')) return;
      const cluster = stripSemicolon(span['envoy.upstream.cluster']);
      if (cluster && stripSemicolon(h.profile.cluster) && cluster !== stripSemicolon(h.profile.cluster)) return;
      const workloadMismatch =
        span['mesh.source.workload'] &&
        h.profile.sourceWorkload &&
        span['mesh.source.workload'] !== h.profile.sourceWorkload
          ? 10_000
          : 0;
      const score = workloadMismatch + Math.abs(startMs - h.start);
      if (score < bestScore) {
        best = pos;
        bestScore = score;
      }
    });
    if (best !== -1) {
      taken.add(best);
      summaries[best].span_id = span['span.id'];
    }
  }
}

/** One RequestDoc from what is buffered for a request id. */
export function buildRequestDoc(
  req: BufferedRequest,
  state: JoinState,
  opts: { skewMs: number; synthesize: boolean },
): RequestDoc {
  const { order, parent } = callTree(req.hops, opts.skewMs);
  const position = new Map(order.map((hopIdx, pos) => [hopIdx, pos]));
  const summaries: HopSummary[] = order.map((hopIdx, pos) => {
    const h = req.hops[hopIdx];
    // An inbound cluster (`inbound|9080||`) does not name the service; its caller's cluster does.
    const p = parent[hopIdx];
    const service =
      h.profile.service ?? (h.profile.direction === 'inbound' && p !== -1 ? req.hops[p].profile.service : null);
    return {
      index: pos,
      parent: parent[hopIdx] === -1 ? null : position.get(parent[hopIdx])!,
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
  });
  attachSpans(req, order, summaries);

  const labels: Record<string, string> = {};
  for (const hopIdx of order) for (const [k, v] of Object.entries(req.hops[hopIdx].labels ?? {})) labels[k] ??= v;
  for (const s of req.spans ?? []) {
    for (const k in s) if (k.startsWith('labels.')) labels[k.slice(7)] ??= s[k as keyof SpanRecord] as string;
  }

  let end = req.base;
  for (const h of req.hops) end = Math.max(end, req.base + h.start + Math.max(h.duration, 0));
  for (const s of req.spans ?? []) end = Math.max(end, Number(BigInt(s['span.end_ns']) / 1_000_000n));
  const root = summaries[0];
  const failed = failureOrigin(summaries);

  let spans = req.spans ?? [];
  if (opts.synthesize && spans.length === 0 && summaries.some((s) => isServerFault(s.error_class))) {
    spans = synthesizeSpans(req.id, req.base, req.hops, summaries, order);
    summaries.forEach((s, i) => (s.span_id = spans[i]['span.id']));
  }
  const traceIds = [...new Set(spans.map((s) => s['trace.id']))];
  const doc: RequestDoc = {
    '@timestamp': iso.format(req.base),
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
  for (const [k, v] of Object.entries(labels)) doc[`labels.${k}`] = v;
  return doc;
}

/**
 * Where the failure started: the first failing hop in call order below which nothing fails. A
 * gateway 503 caused by a `503 UF` three calls down points at the `UF` hop, not the gateway.
 */
function failureOrigin(summaries: HopSummary[]): HopSummary | undefined {
  const hasFailingBelow = new Set<number>();
  for (const s of summaries) {
    if (!FAILING.has(s.error_class)) continue;
    for (let p = s.parent; p !== null && !hasFailingBelow.has(p); p = summaries[p].parent) hasFailingBelow.add(p);
  }
  return summaries.find((s) => FAILING.has(s.error_class) && !hasFailingBelow.has(s.index));
}
