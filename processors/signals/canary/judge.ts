import type { WindowStats } from '../windows/window.ts';
import type { CanaryConfig } from './config.ts';
import { fisherExactGreater } from './stats/fisher.ts';
import { mannWhitneyGreater } from './stats/mann-whitney.ts';

export type MetricResult = 'pass' | 'fail' | 'nodata';
export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface MetricEvidence {
  name: 'error_rate' | 'latency';
  result: MetricResult;
  critical: boolean;
  reason: string;
  [k: string]: unknown;
}

export interface CanaryVerdict {
  verdict: Verdict;
  score: number;
  metrics: MetricEvidence[];
}

const round = (x: number | null, d = 6) => (x === null || !Number.isFinite(x) ? x : Math.round(x * 10 ** d) / 10 ** d);
/** p-values keep 4 significant digits at any size: a Fisher p of 1.02e-29 is not `0`. */
const significant = (p: number) => (p === 0 || !Number.isFinite(p) ? p : Number(p.toPrecision(4)));

/** Requests that count for the error rate: client aborts are never the server's fault. */
function judged(s: WindowStats) {
  const requests = s.requests - s.counts.client_abort;
  const errors = s.counts.app + s.counts.mesh;
  return { requests, errors, rate: requests > 0 ? errors / requests : 0 };
}

function errorRate(canary: WindowStats, baseline: WindowStats, cfg: CanaryConfig): MetricEvidence {
  const c = judged(canary);
  const b = judged(baseline);
  const base = {
    name: 'error_rate' as const,
    critical: cfg.critical.includes('error_rate'),
    canary: { ...c, rate: round(c.rate) },
    baseline: { ...b, rate: round(b.rate) },
  };
  if (c.requests < cfg.minRequests || b.requests < cfg.minRequests) {
    return {
      ...base,
      result: 'nodata',
      reason: `fewer than ${cfg.minRequests} requests on a side (canary ${c.requests}, baseline ${b.requests})`,
    };
  }
  const p = fisherExactGreater(c.errors, c.requests - c.errors, b.errors, b.requests - b.errors);
  const increase = c.rate - b.rate;
  const fail = p < cfg.alpha && increase >= cfg.minErrorRateIncrease;
  return {
    ...base,
    result: fail ? 'fail' : 'pass',
    test: 'fisher-exact, one-sided',
    pValue: significant(p),
    effect: { rateIncrease: round(increase), rateRatio: b.rate > 0 ? round(c.rate / b.rate) : null },
    reason: fail
      ? `canary error rate ${round(c.rate * 100, 2)}% > baseline ${round(b.rate * 100, 2)}% (p = ${p.toExponential(2)})`
      : p < cfg.alpha
        ? `significant but below the ${cfg.minErrorRateIncrease} minimum increase`
        : 'no significant increase',
  };
}

function quantiles(s: WindowStats) {
  return {
    count: s.sketch.count,
    p50: round(s.quantile(0.5), 3),
    p90: round(s.quantile(0.9), 3),
    p99: round(s.quantile(0.99), 3),
  };
}

function latency(canary: WindowStats, baseline: WindowStats, cfg: CanaryConfig): MetricEvidence {
  const base = {
    name: 'latency' as const,
    critical: cfg.critical.includes('latency'),
    canary: quantiles(canary),
    baseline: quantiles(baseline),
  };
  const x = canary.sample.values();
  const y = baseline.sample.values();
  if (
    canary.sketch.count < cfg.minRequests ||
    baseline.sketch.count < cfg.minRequests ||
    x.length === 0 ||
    y.length === 0
  ) {
    return {
      ...base,
      result: 'nodata',
      reason: `fewer than ${cfg.minRequests} latencies on a side (canary ${canary.sketch.count}, baseline ${baseline.sketch.count})`,
    };
  }
  const mw = mannWhitneyGreater(x, y);
  const bMed = baseline.quantile(0.5)!;
  const ratio = bMed > 0 ? canary.quantile(0.5)! / bMed : canary.quantile(0.5)! > 0 ? Infinity : 1;
  const fail = mw.p < cfg.alpha && ratio >= cfg.minLatencyRatio;
  return {
    ...base,
    result: fail ? 'fail' : 'pass',
    test: `mann-whitney-u, one-sided (${mw.method})`,
    u: mw.u,
    pValue: significant(mw.p),
    sampled: { canary: x.length, baseline: y.length },
    effect: { medianRatio: round(ratio, 4), cles: round(mw.cles, 4) },
    reason: fail
      ? `canary median ${round(ratio, 2)}× the baseline's (p = ${mw.p.toExponential(2)})`
      : mw.p < cfg.alpha
        ? `significant but below the ${cfg.minLatencyRatio}× minimum`
        : 'no significant slowdown',
  };
}

/**
 * Kayenta-style judgement of a canary against its baseline over the same routes and window.
 * Each metric passes, fails or has no data. A failing critical metric fails the verdict; missing
 * data on a critical metric makes it inconclusive (never a pass); otherwise the score is the share
 * of metrics that passed, and the verdict passes at `passScore`.
 */
export function judge(canary: WindowStats, baseline: WindowStats, cfg: CanaryConfig): CanaryVerdict {
  const metrics = [errorRate(canary, baseline, cfg), latency(canary, baseline, cfg)];
  const withData = metrics.filter((m) => m.result !== 'nodata');
  const score =
    withData.length === 0 ? 0 : Math.round((100 * withData.filter((m) => m.result === 'pass').length) / metrics.length);
  let verdict: Verdict;
  if (metrics.some((m) => m.critical && m.result === 'fail')) verdict = 'fail';
  else if (metrics.some((m) => m.critical && m.result === 'nodata') || withData.length === 0) verdict = 'inconclusive';
  else verdict = score >= cfg.passScore ? 'pass' : 'fail';
  return { verdict, score, metrics };
}
