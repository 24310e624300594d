import { DDSketch } from '@datadog/sketches-js';
import type { RouteKey, RouteWindows } from '../../route_stats/windows.ts';

export const ERROR_KINDS = ['app', 'mesh', 'client_abort', 'no_route', 'rate_limited'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** One row of the page's routes table: a route window and its trend. */
export interface RouteRow extends RouteKey {
  requests: number;
  rps: number;
  errors: Record<ErrorKind, number>;
  /** (app + mesh) / (requests − client aborts), as the canary judge counts it. */
  errorRate: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** Per bucket over the trend span, oldest first: requests/s and error rate. */
  trend: { rps: number[]; errorRate: number[] };
}

export const SORT_KEYS = [
  'route',
  'service',
  'namespace',
  'subset',
  'requests',
  'rps',
  'errorRate',
  'p50',
  'p90',
  'p99',
  ...ERROR_KINDS,
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface RowSpan {
  /** Window over which the row's numbers are computed: [end − windowMs, end). */
  windowMs: number;
  /** Span the trend covers, ending at `end` (the longest configured window). */
  trendMs: number;
  end: number;
  bucketMs: number;
}

interface Acc {
  key: RouteKey;
  counts: Record<ErrorKind | 'ok', number>;
  sketch: DDSketch | null;
  trendRequests: number[];
  trendErrors: number[];
  trendJudged: number[];
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const keyString = (k: RouteKey) => `${k.namespace}\u0000${k.service}\u0000${k.route}\u0000${k.subset}`;

/**
 * Every route's window as a table row. It merges only counts and sketches (not the rank-test
 * samples, which the table does not show), so 5,000 routes stay cheap to summarise.
 */
export function routeRows(windows: RouteWindows, span: RowSpan): RouteRow[] {
  const { bucketMs, end } = span;
  const align = (t: number) => t - (((t % bucketMs) + bucketMs) % bucketMs);
  const trendFrom = align(end - span.trendMs);
  const windowFrom = align(end - span.windowMs);
  const nTrend = Math.max(1, Math.ceil((end - trendFrom) / bucketMs));
  const byKey = new Map<string, Acc>();
  for (const { key, start, stats } of windows.buckets(trendFrom)) {
    if (start >= end) continue;
    const ks = keyString(key);
    let acc = byKey.get(ks);
    if (!acc) {
      acc = {
        key,
        counts: { ok: 0, app: 0, mesh: 0, client_abort: 0, no_route: 0, rate_limited: 0 },
        sketch: null,
        trendRequests: new Array<number>(nTrend).fill(0),
        trendErrors: new Array<number>(nTrend).fill(0),
        trendJudged: new Array<number>(nTrend).fill(0),
      };
      byKey.set(ks, acc);
    }
    const i = Math.floor((start - trendFrom) / bucketMs);
    const n = stats.requests;
    acc.trendRequests[i] += n;
    acc.trendErrors[i] += stats.counts.app + stats.counts.mesh;
    acc.trendJudged[i] += n - stats.counts.client_abort;
    if (start < windowFrom) continue;
    for (const c of ['ok', ...ERROR_KINDS] as const) acc.counts[c] += stats.counts[c];
    if (stats.sketch.count > 0) {
      acc.sketch ??= new DDSketch({ relativeAccuracy: 0.01 });
      acc.sketch.merge(stats.sketch);
    }
  }
  const seconds = span.windowMs / 1000;
  const rows: RouteRow[] = [];
  for (const a of byKey.values()) {
    const c = a.counts;
    const requests = c.ok + c.app + c.mesh + c.client_abort + c.no_route + c.rate_limited;
    const judged = requests - c.client_abort;
    const q = (x: number) => (a.sketch ? round(a.sketch.getValueAtQuantile(x), 3) : null);
    rows.push({
      ...a.key,
      requests,
      rps: round(requests / seconds, 3),
      errors: {
        app: c.app,
        mesh: c.mesh,
        client_abort: c.client_abort,
        no_route: c.no_route,
        rate_limited: c.rate_limited,
      },
      errorRate: judged > 0 ? round((c.app + c.mesh) / judged, 6) : 0,
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      trend: {
        rps: a.trendRequests.map((x) => round(x / (bucketMs / 1000), 3)),
        errorRate: a.trendErrors.map((e, i) => (a.trendJudged[i] > 0 ? round(e / a.trendJudged[i], 4) : 0)),
      },
    });
  }
  return rows;
}

export interface TableQuery {
  sort: SortKey;
  order: 'asc' | 'desc';
  /** Case-insensitive substring of `namespace/service/route/subset`. */
  filter?: string;
  offset: number;
  limit: number;
}

const sortValue = (r: RouteRow, k: SortKey): number | string | null =>
  (ERROR_KINDS as readonly string[]).includes(k)
    ? r.errors[k as ErrorKind]
    : (r[k as keyof RouteRow] as number | string | null);

/**
 * Filters, sorts and cuts one page out of the rows. The page shows only this page, so the browser
 * holds at most `limit` rows whatever the number of routes. Missing values sort last either way;
 * ties fall back to the route key so pages are stable between refreshes.
 */
export function tablePage(rows: RouteRow[], q: TableQuery): { total: number; rows: RouteRow[] } {
  const needle = q.filter?.toLowerCase();
  const kept = needle
    ? rows.filter((r) => `${r.namespace}/${r.service}/${r.route}/${r.subset}`.toLowerCase().includes(needle))
    : rows;
  const dir = q.order === 'asc' ? 1 : -1;
  const tie = (a: RouteRow, b: RouteRow) => {
    const x = keyString(a);
    const y = keyString(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  kept.sort((a, b) => {
    const x = sortValue(a, q.sort);
    const y = sortValue(b, q.sort);
    if (x === y) return tie(a, b);
    if (x === null) return 1;
    if (y === null) return -1;
    const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return c === 0 ? tie(a, b) : dir * c;
  });
  return { total: kept.length, rows: kept.slice(q.offset, q.offset + q.limit) };
}
