import { hash } from 'node:crypto';
import type { HopSummary, SpanRecord } from '../../pipeline/records.ts';
import { isServerFault } from '../../pipeline/mesh/error-class.ts';
import type { PackedHop } from './hop.ts';
import { IsoFormatter } from '../../pipeline/time/iso.ts';

/** A request's spans start within a few ms of each other: the formatter keeps the minute. */
const iso = new IsoFormatter();

/** The first `bytes` of SHA-256 of `s`, as hex: one-shot, without a Hash object per id. */
const hex = (s: string, bytes: number) => hash('sha256', s, 'hex').slice(0, bytes * 2);

/** The trace id meshlog gives a request that tracing did not sample: the same for every replay. */
export function syntheticTraceId(requestId: string): string {
  return hex(`meshlog-trace:${requestId}`, 16);
}

export function syntheticSpanId(requestId: string, hopIndex: number): string {
  return hex(`meshlog-span:${requestId}:${hopIndex}`, 8);
}

/**
 * Spans for a failed request that has none, from its hops: one span per hop, parents following
 * the call tree, client spans for outbound and gateway hops, server spans for inbound ones. Each
 * carries what the access log knew and `meshlog.synthetic=true`, so Jaeger shows every failure.
 * `http.url` has the real path on failing hops; healthy hops are buffered with their route template
 * only (see PackedHop), so theirs shows the template.
 */
export function synthesizeSpans(
  requestId: string,
  baseMs: number,
  hops: PackedHop[],
  summaries: HopSummary[],
  order: number[],
): SpanRecord[] {
  const traceId = syntheticTraceId(requestId);
  // Each id hashed once: a span's parent is another span of the request.
  const spanIds = summaries.map((_, pos) => syntheticSpanId(requestId, pos));
  return summaries.map((s, pos) => {
    const h = hops[order[pos]];
    const startNs = BigInt(baseMs + h.start) * 1_000_000n;
    const durNs = BigInt(Math.max(h.duration, 0)) * 1_000_000n;
    const failing = isServerFault(s.error_class);
    const host = h.profile.authority ?? s.service ?? 'unknown';
    const attributes: Record<string, string | number | boolean> = {
      'meshlog.synthetic': true,
      'meshlog.request_id': requestId,
      'guid:x-request-id': requestId,
      'http.status_code': String(s.status),
      'mesh.error_class': s.error_class,
      'mesh.route': s.route,
      'mesh.direction': s.direction,
      component: 'proxy',
    };
    const method = h.profile.method;
    const details = h.profile.codeDetails;
    if (method) attributes['http.method'] = method;
    if (h.path) attributes['http.url'] = `http://${host}${h.path}`;
    if (s.cluster) attributes.upstream_cluster = s.cluster;
    if (s.flags.length) attributes.response_flags = s.flags.join(',');
    if (details) attributes.response_code_details = details;
    const labels = h.labels;
    if (labels !== null) for (const k in labels) attributes[`labels.${k}`] = labels[k];
    const service =
      s.direction === 'inbound' ? (s.service ?? 'unknown') : (h.profile.sourceWorkload ?? s.service ?? 'unknown');
    return {
      '@timestamp': iso.format(baseMs + h.start),
      'event.dataset': 'mesh.span',
      'trace.id': traceId,
      'span.id': spanIds[pos],
      'parent.id': s.parent === null ? null : spanIds[s.parent],
      'span.name': `${host}${h.path ?? ''}`,
      'span.kind': s.direction === 'inbound' ? 'server' : 'client',
      'span.start_ns': startNs.toString(),
      'span.end_ns': (startNs + durNs).toString(),
      'event.duration': Number(durNs),
      'span.status': failing ? 'error' : 'unset',
      'service.name': service,
      'http.request.id': requestId,
      'http.response.status_code': s.status,
      'envoy.upstream.cluster': s.cluster,
      'envoy.response_flags': s.flags,
      'mesh.source.workload': h.profile.sourceWorkload,
      'mesh.source.namespace': h.profile.sourceNamespace,
      attributes,
    } satisfies SpanRecord;
  });
}
