import type { RequestDoc, SpanRecord } from '../../pipeline/records.ts';

/**
 * The spans of a RequestDoc with what only the access logs know, set as attributes: the hop's
 * response flags, error class and route, the request's business labels and its request id. Ids
 * and times are left as they were. Synthetic spans already carry all of it.
 */
export function enrichedSpans(doc: RequestDoc): SpanRecord[] {
  const bySpan = new Map(doc['mesh.hops'].filter((h) => h.span_id).map((h) => [h.span_id!, h]));
  const labels: Record<string, string> = {};
  for (const k in doc) if (k.startsWith('labels.')) labels[k] = doc[k as `labels.${string}`]!;
  return doc.spans.map((s) => {
    const hop = bySpan.get(s['span.id']);
    const attributes: Record<string, string | number | boolean> = {
      ...s.attributes,
      ...labels,
      'meshlog.request_id': doc['http.request.id'],
    };
    if (hop) {
      attributes['envoy.response_flags'] = hop.flags.join(',') || '-';
      attributes['mesh.error_class'] = hop.error_class;
      attributes['mesh.route'] = hop.route;
    }
    return { ...s, attributes };
  });
}
