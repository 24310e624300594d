import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SignalsEngine } from '../engine.ts';
import { parseDuration } from '../../../pipeline/duration.ts';
import { canaryViewData } from './canary-view.ts';
import { canaryLink, requestBase } from './link.ts';
import { RouteTable, SORT_KEYS, type SortKey } from './route-table.ts';
import type { RouteKey } from '../windows/windows.ts';

interface WindowsQuery {
  window?: string;
  sort?: string;
  order?: string;
  filter?: string;
  offset?: string;
  limit?: string;
  facets?: string;
}

interface CanaryQuery {
  namespace?: string;
  service?: string;
  canary?: string;
  baseline?: string;
  window?: string;
}

/** Rows per page at most: the page shows one page, so this bounds what a browser holds. */
const MAX_LIMIT = 500;

const bad = (reply: FastifyReply, message: string) => reply.code(400).send({ error: 'MESHLOG_BAD_QUERY', message });

/**
 * JSON the web page needs that the signals API does not serve:
 * - `GET /v1/windows?window=1m&sort=rps&order=desc&filter=&offset=0&limit=100[&facets=1]`: one page
 *   of route windows (requests/s, errors by class, error rate, p50/p90/p99, a trend per row over the
 *   longest window), sorted and filtered on the server, with the total; `facets=1` adds the
 *   namespaces, services and subsets seen, for the canary chooser;
 * - `GET /v1/windows/canary?namespace=&service=&canary=&baseline=&window=`: the canary answer of
 *   `/v1/canary` with the evidence to draw it (error rate per bucket of both sides, both latency
 *   quantile curves, the judge's thresholds).
 */
export function registerWindowsEndpoint(app: FastifyInstance, hub: SignalsEngine): void {
  const windows = hub.config.windows.windows;
  const longestMs = Math.max(...windows.map((w) => parseDuration(w, 'window')));

  app.get<{ Querystring: WindowsQuery }>('/v1/windows', async (req, reply) => {
    const q = req.query;
    const duration = q.window ?? windows[0];
    if (!windows.includes(duration))
      return bad(reply, `window must be one of ${windows.join(', ')}, got "${duration}"`);
    const sort = (q.sort ?? 'rps') as SortKey;
    if (!SORT_KEYS.includes(sort)) return bad(reply, `sort must be one of ${SORT_KEYS.join(', ')}, got "${q.sort}"`);
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') return bad(reply, `order must be asc or desc, got "${order}"`);
    const offset = Number(q.offset ?? 0);
    const limit = Number(q.limit ?? 100);
    if (!Number.isInteger(offset) || offset < 0)
      return bad(reply, `offset must be a whole number ≥ 0, got "${q.offset}"`);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return bad(reply, `limit must be a whole number from 1 to ${MAX_LIMIT}, got "${q.limit}"`);
    const windowMs = parseDuration(duration, 'window');
    const newest = hub.windows.newest;
    const end = Number.isFinite(newest) ? newest + 1 : Date.now();
    const table = new RouteTable(hub.windows, {
      windowMs,
      trendMs: longestMs,
      end,
      bucketMs: hub.config.windows.bucketMs,
    });
    const page = table.page({ sort, order, filter: q.filter, offset, limit });
    return {
      window: { duration, start: new Date(end - windowMs).toISOString(), end: new Date(end).toISOString() },
      windows,
      bucketMs: hub.config.windows.bucketMs,
      trendMs: longestMs,
      routes: table.size,
      overflow: hub.windows.overflow,
      total: page.total,
      offset,
      limit,
      sort,
      order,
      rows: page.rows,
      ...(q.facets ? { facets: facets(table.keys()) } : {}),
    };
  });

  app.get<{ Querystring: CanaryQuery }>('/v1/windows/canary', async (req, reply) => {
    const q = req.query;
    const missing = (['service', 'canary', 'baseline'] as const).filter((k) => !q[k]);
    if (missing.length) return bad(reply, `missing query parameter(s): ${missing.join(', ')}`);
    try {
      const answer = hub.canary({
        namespace: q.namespace || undefined,
        service: q.service!,
        canary: q.canary!,
        baseline: q.baseline!,
        window: q.window || undefined,
        record: false, // a page refresh is not a decision
      });
      return canaryViewData(hub, { ...answer, link: canaryLink(requestBase(req), answer) });
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });
}

/** Namespaces → services → subsets seen in the rows, sorted, for the canary chooser. */
function facets(rows: RouteKey[]) {
  const m = new Map<string, Set<string>>();
  for (const r of rows) {
    const k = `${r.namespace}\u0000${r.service}`;
    if (!m.has(k)) m.set(k, new Set());
    m.get(k)!.add(r.subset);
  }
  return [...m]
    .map(([k, subsets]) => {
      const [namespace, service] = k.split('\u0000');
      return { namespace, service, subsets: [...subsets].sort() };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.service.localeCompare(b.service));
}
