import { DDSketch } from '@datadog/sketches-js';
import type { WindowStats } from '../windows/window.ts';
import type { RouteKey, Windows } from '../windows/windows.ts';

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
  /** Span the trend covers, ending at `end` (the longest configured window); at least `windowMs`. */
  trendMs: number;
  end: number;
  bucketMs: number;
}

interface Bucket {
  start: number;
  stats: WindowStats;
}

/** One route while a table is built: counts eagerly, quantiles and trend only when asked for. */
interface Acc {
  key: RouteKey;
  /** Key as one string: filter text and the tie-break that keeps pages stable between refreshes. */
  id: string;
  counts: Record<ErrorKind | 'ok', number>;
  requests: number;
  errorRate: number;
  /** The route's buckets in the trend span (which holds the window). */
  buckets: Bucket[];
  quantiles?: { p50: number | null; p90: number | null; p99: number | null };
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const keyString = (k: RouteKey) => `${k.namespace}\u0000${k.service}\u0000${k.route}\u0000${k.subset}`;

export interface TableQuery {
  sort: SortKey;
  order: 'asc' | 'desc';
  /** Case-insensitive substring of `namespace/service/route/subset`. */
  filter?: string;
  offset: number;
  limit: number;
}

/**
 * Every route's window, for the page's routes table. One pass over the buckets counts requests
 * and errors per route; the sketches are merged (the costly part) only for the rows a page shows,
 * or for every route when the table is sorted by a quantile. Rank-test samples are never merged:
 * the table does not show them.
 */
export class RouteTable {
  readonly #span: RowSpan;
  readonly #windowFrom: number;
  readonly #trendFrom: number;
  readonly #routes: Acc[] = [];

  constructor(windows: Windows, span: RowSpan) {
    const { bucketMs, end } = span;
    const align = (t: number) => t - (((t % bucketMs) + bucketMs) % bucketMs);
    this.#span = span;
    if (span.windowMs > span.trendMs) throw new RangeError('the trend must span at least the window');
    this.#trendFrom = align(end - span.trendMs);
    this.#windowFrom = align(end - span.windowMs);
    // Windows hands out the same key object for every bucket of a route: look routes up by it
    const byKey = new Map<RouteKey, Acc>();
    for (const { key, start, stats } of windows.buckets(this.#trendFrom)) {
      if (start >= end) continue;
      let acc = byKey.get(key);
      if (!acc) {
        acc = {
          key,
          id: keyString(key),
          counts: { ok: 0, app: 0, mesh: 0, client_abort: 0, no_route: 0, rate_limited: 0 },
          requests: 0,
          errorRate: 0,
          buckets: [],
        };
        byKey.set(key, acc);
        this.#routes.push(acc);
      }
      acc.buckets.push({ start, stats });
      if (start < this.#windowFrom) continue;
      const c = stats.counts;
      acc.counts.ok += c.ok;
      acc.counts.app += c.app;
      acc.counts.mesh += c.mesh;
      acc.counts.client_abort += c.client_abort;
      acc.counts.no_route += c.no_route;
      acc.counts.rate_limited += c.rate_limited;
    }
    for (const a of this.#routes) {
      const c = a.counts;
      a.requests = c.ok + c.app + c.mesh + c.client_abort + c.no_route + c.rate_limited;
      const judged = a.requests - c.client_abort;
      a.errorRate = judged > 0 ? round((c.app + c.mesh) / judged, 6) : 0;
    }
  }

  /** Number of routes with traffic in the trend span. */
  get size(): number {
    return this.#routes.length;
  }

  keys(): RouteKey[] {
    return this.#routes.map((a) => a.key);
  }

  /** Every row, complete (for tests and small tables). */
  rows(): RouteRow[] {
    return this.#routes.map((a) => this.#row(a));
  }

  /**
   * Filters, sorts and cuts one page. The page shows only this page, so the browser holds at most
   * `limit` rows whatever the number of routes. Missing values sort last either way; ties fall back
   * to the route key so pages are stable between refreshes.
   */
  page(q: TableQuery): { total: number; rows: RouteRow[] } {
    const needle = q.filter?.toLowerCase();
    const kept = needle
      ? this.#routes.filter((a) =>
          `${a.key.namespace}/${a.key.service}/${a.key.route}/${a.key.subset}`.toLowerCase().includes(needle),
        )
      : [...this.#routes];
    const dir = q.order === 'asc' ? 1 : -1;
    const value = this.#sortValue(q.sort);
    const values = new Map(kept.map((a) => [a, value(a)]));
    kept.sort((a, b) => {
      const x = values.get(a)!;
      const y = values.get(b)!;
      const tie = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      if (x === y) return tie;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return c === 0 ? tie : dir * c;
    });
    return { total: kept.length, rows: kept.slice(q.offset, q.offset + q.limit).map((a) => this.#row(a)) };
  }

  #sortValue(k: SortKey): (a: Acc) => number | string | null {
    switch (k) {
      case 'route':
      case 'service':
      case 'namespace':
      case 'subset':
        return (a) => a.key[k];
      case 'requests':
        return (a) => a.requests;
      case 'rps':
        return (a) => a.requests;
      case 'errorRate':
        return (a) => a.errorRate;
      case 'p50':
      case 'p90':
      case 'p99':
        return (a) => this.#quantiles(a)[k];
      default:
        return (a) => a.counts[k];
    }
  }

  #quantiles(a: Acc): NonNullable<Acc['quantiles']> {
    if (a.quantiles) return a.quantiles;
    let sketch: DDSketch | null = null;
    for (const b of a.buckets) {
      if (b.start < this.#windowFrom || b.stats.sketch.count === 0) continue;
      sketch ??= new DDSketch({ relativeAccuracy: 0.01 });
      sketch.merge(b.stats.sketch);
    }
    const q = (x: number) => (sketch ? round(sketch.getValueAtQuantile(x), 3) : null);
    a.quantiles = { p50: q(0.5), p90: q(0.9), p99: q(0.99) };
    return a.quantiles;
  }

  #row(a: Acc): RouteRow {
    const { bucketMs, windowMs } = this.#span;
    const n = Math.max(1, Math.ceil((this.#span.end - this.#trendFrom) / bucketMs));
    const requests = new Array<number>(n).fill(0);
    const errors = new Array<number>(n).fill(0);
    const judged = new Array<number>(n).fill(0);
    for (const b of a.buckets) {
      const i = Math.floor((b.start - this.#trendFrom) / bucketMs);
      const r = b.stats.requests;
      requests[i] += r;
      errors[i] += b.stats.counts.app + b.stats.counts.mesh;
      judged[i] += r - b.stats.counts.client_abort;
    }
    const c = a.counts;
    return {
      ...a.key,
      requests: a.requests,
      rps: round(a.requests / (windowMs / 1000), 3),
      errors: {
        app: c.app,
        mesh: c.mesh,
        client_abort: c.client_abort,
        no_route: c.no_route,
        rate_limited: c.rate_limited,
      },
      errorRate: a.errorRate,
      ...this.#quantiles(a),
      trend: {
        rps: requests.map((x) => round(x / (bucketMs / 1000), 3)),
        errorRate: errors.map((e, i) => (judged[i] > 0 ? round(e / judged[i], 4) : 0)),
      },
    };
  }
}
