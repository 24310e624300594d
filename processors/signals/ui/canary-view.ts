import type { CanaryAnswer, SignalsEngine } from '../engine.ts';
import type { CanaryConfig } from '../canary/config.ts';
import type { RouteKey } from '../windows/windows.ts';
import { WindowStats } from '../windows/window.ts';

/** Percentiles at which both latency distributions are drawn (1 … 99, then the tail). */
export const PERCENTILES = [...Array.from({ length: 99 }, (_, i) => i + 1), 99.5, 99.9];

interface SideSeries {
  requests: number[];
  errors: number[];
  /** Errors / judged requests per bucket; null where the side had no request. */
  errorRate: Array<number | null>;
}

/** Everything the canary view draws; the live page fetches it, the report file carries it inline. */
export interface CanaryViewData {
  answer: CanaryAnswer & { link?: string };
  /** The judge's thresholds, shown beside each metric's evidence. */
  thresholds: CanaryConfig;
  bucketMs: number;
  /** How each side was found: by subset of the service, or as a service of that name (Flagger). */
  matchedBy: { canary: 'subset' | 'service' | 'none'; baseline: 'subset' | 'service' | 'none' };
  /** Error rate over time: bucket starts (epoch s) and each side's counts. */
  series: { t: number[]; canary: SideSeries; baseline: SideSeries };
  /** Latency (ms) at each of `percentiles`, from each side's merged sketch; null without data. */
  latency: { percentiles: number[]; canary: Array<number | null>; baseline: Array<number | null> };
  generatedAt: string;
}

/** Same choice as the hub's judge: the subset of `service`, else a service called `name`. */
function sideFilter(hub: SignalsEngine, a: CanaryAnswer, name: string, durationMs: number, end: number) {
  const inNs = (k: RouteKey) => !a.namespace || k.namespace === a.namespace;
  const bySubset = (k: RouteKey) => inNs(k) && k.service === a.service && k.subset === name;
  const byService = (k: RouteKey) => inNs(k) && k.service === name;
  const seen = (f: (k: RouteKey) => boolean) => hub.windows.query(f, durationMs, end).length > 0;
  if (seen(bySubset)) return { match: 'subset' as const, filter: bySubset };
  if (seen(byService)) return { match: 'service' as const, filter: byService };
  return { match: 'none' as const, filter: () => false };
}

const round = (x: number | null, d = 3) =>
  x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d;

/**
 * The evidence behind a canary answer, over the same routes and window the judge used:
 * per-bucket error rates of both sides and both latency distributions as quantile curves.
 */
export function canaryViewData(hub: SignalsEngine, answer: CanaryAnswer & { link?: string }): CanaryViewData {
  const bucketMs = hub.config.windows.bucketMs;
  const end = answer.window.end ? Date.parse(answer.window.end) : 0;
  const start = answer.window.start ? Date.parse(answer.window.start) : 0;
  const from = start - (start % bucketMs);
  const n = end > from ? Math.ceil((end - from) / bucketMs) : 0;
  const onRoute = (k: RouteKey) => answer.routes.length === 0 || answer.routes.includes(k.route);
  const sides = {
    canary: sideFilter(hub, answer, answer.canary, end - start, end),
    baseline: sideFilter(hub, answer, answer.baseline, end - start, end),
  };
  const series = (filter: (k: RouteKey) => boolean): SideSeries => {
    const requests = new Array<number>(n).fill(0);
    const errors = new Array<number>(n).fill(0);
    const judged = new Array<number>(n).fill(0);
    for (const b of hub.windows.buckets(from)) {
      if (b.start >= end || !filter(b.key) || !onRoute(b.key)) continue;
      const i = Math.floor((b.start - from) / bucketMs);
      requests[i] += b.stats.requests;
      errors[i] += b.stats.counts.app + b.stats.counts.mesh;
      judged[i] += b.stats.requests - b.stats.counts.client_abort;
    }
    return { requests, errors, errorRate: judged.map((j, i) => (j > 0 ? round(errors[i] / j, 5) : null)) };
  };
  const curve = (filter: (k: RouteKey) => boolean) => {
    const merged = hub.windows
      .query((k) => filter(k) && onRoute(k), end - start, end)
      .reduce((acc, x) => acc.merge(x.stats), new WindowStats(1));
    return PERCENTILES.map((p) => round(merged.quantile(p / 100)));
  };
  return {
    answer,
    thresholds: hub.config.canary,
    bucketMs,
    matchedBy: { canary: sides.canary.match, baseline: sides.baseline.match },
    series: {
      t: Array.from({ length: n }, (_, i) => (from + i * bucketMs) / 1000),
      canary: series(sides.canary.filter),
      baseline: series(sides.baseline.filter),
    },
    latency: { percentiles: PERCENTILES, canary: curve(sides.canary.filter), baseline: curve(sides.baseline.filter) },
    generatedAt: new Date().toISOString(),
  };
}
