/**
 * The partition key of a record. One key, one partition, one processor:
 * - every hop and span of a request shares its `x-request-id`, so the join finds them together;
 * - a span without one goes by its trace id; a route window by its route; a decision by the edge
 *   or service it is about; a calls record by the process that sent it (the signals read a
 *   source's calls records in the order it sent them);
 * - anything else has no key and is spread evenly over the partitions.
 */
export function partitionKey(record: unknown): string | null {
  const r = record as Record<string, unknown>;
  const dataset = r['event.dataset'];
  if (dataset === 'meshlog.window') return routeKey(r);
  if (dataset === 'meshlog.calls') return typeof r['calls.source'] === 'string' ? r['calls.source'] : null;
  if (dataset === 'meshlog.decision') {
    const edge = r['breaker.edge'];
    if (typeof edge === 'string' && edge) return edge;
    return routeKey(r);
  }
  const id = r['http.request.id'];
  if (typeof id === 'string' && id) return id;
  if (dataset === 'mesh.span') {
    const trace = r['trace.id'];
    if (typeof trace === 'string' && trace) return trace;
  }
  return null;
}

/** namespace/service/route/subset, the fields a route window is keyed by (or `mesh.route_key` when set). */
function routeKey(r: Record<string, unknown>): string | null {
  if (typeof r['mesh.route_key'] === 'string') return r['mesh.route_key'];
  const parts = ['mesh.destination.namespace', 'mesh.destination.service', 'mesh.route', 'mesh.destination.subset'].map(
    (k) => (r[k] == null ? '' : String(r[k])),
  );
  return parts.some((p) => p !== '') ? parts.join('/') : null;
}
