import { Counter, Gauge, Histogram } from 'prom-client';
import type { AccessRecord } from '../../pipeline/records.ts';
import type { Metrics } from '../../pipeline/telemetry/metrics.ts';
import { parseDuration } from '../../pipeline/duration.ts';
import { Breakers } from '../../processors/breaker/breakers.ts';
import type { Transition } from '../../processors/breaker/machine.ts';
import { judge, type CanaryVerdict } from '../../processors/canary/judge.ts';
import { LoadTracker } from '../../processors/recommend/load.ts';
import { recommend, type Recommendation } from '../../processors/recommend/recommend.ts';
import { RouteWindows, type RouteKey } from '../../processors/route_stats/windows.ts';
import { WindowStats } from '../../processors/route_stats/window.ts';
import type { SignalsConfig } from './config.ts';

export interface CanaryQuery {
  namespace?: string;
  service: string;
  canary: string;
  baseline: string;
  window?: string;
  /** End of the window, epoch ms; default: the newest event seen. */
  end?: number;
}

export interface CanaryAnswer extends CanaryVerdict {
  namespace: string | null;
  service: string;
  canary: string;
  baseline: string;
  window: { duration: string; start: string | null; end: string | null };
  routes: string[];
}

const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const VERDICT_VALUE = { pass: 1, inconclusive: 0, fail: -1 } as const;

/**
 * The signals side of meshlog: route windows, breakers and load, fed with AccessRecords as
 * they are parsed (not after the join), and the questions asked of them: canary verdicts,
 * breaker states and transitions, and recommendations. One per process; the API and the
 * Prometheus series read it.
 */
export class SignalsHub {
  readonly config: SignalsConfig;
  readonly windows: RouteWindows;
  readonly breakers: Breakers;
  readonly load = new LoadTracker();
  readonly #windowMs: Map<string, number>;
  readonly #requests?: Counter;
  readonly #errors?: Counter;
  readonly #latency?: Histogram;
  readonly #verdict?: Gauge;
  readonly #listeners: Array<(doc: Record<string, unknown>) => void> = [];

  constructor(config: SignalsConfig, metrics?: Metrics) {
    this.config = config;
    this.#windowMs = new Map(config.windows.windows.map((w) => [w, parseDuration(w, 'signals.windows.windows')]));
    this.windows = new RouteWindows(config.windows, Math.max(...this.#windowMs.values()));
    this.breakers = new Breakers(config.breaker);
    if (metrics) {
      const r = [metrics.registry];
      const labelNames = ['namespace', 'service', 'route', 'subset'];
      this.#requests = new Counter({
        name: 'meshlog_route_requests_total',
        help: 'Requests per route (client-side reporter), from access logs.',
        labelNames,
        registers: r,
      });
      this.#errors = new Counter({
        name: 'meshlog_route_errors_total',
        help: 'Failed requests per route and error class.',
        labelNames: [...labelNames, 'class'],
        registers: r,
      });
      this.#latency = new Histogram({
        name: 'meshlog_route_latency_seconds',
        help: 'Request latency per route.',
        labelNames,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: r,
      });
      this.#verdict = new Gauge({
        name: 'meshlog_canary_verdict',
        help: 'Last canary verdict asked for: 1 pass, 0 inconclusive, -1 fail.',
        labelNames: ['namespace', 'service', 'canary', 'baseline'],
        registers: r,
      });
      const breakers = this.breakers;
      const state: Gauge = new Gauge({
        name: 'meshlog_breaker_state',
        help: 'Breaker state per edge: 0 closed, 1 half-open, 2 open.',
        labelNames: ['source', 'namespace', 'service', 'route'],
        registers: r,
        collect() {
          for (const b of breakers.states())
            state.set(
              { source: b.source, namespace: b.namespace, service: b.service, route: b.route },
              STATE_VALUE[b.state as keyof typeof STATE_VALUE],
            );
        },
      });
    }
  }

  /** Feeds one batch of records; anything that is not an AccessRecord is ignored. Returns breaker transitions. */
  observe(records: readonly unknown[]): Transition[] {
    const transitions: Transition[] = [];
    for (const x of records) {
      const r = x as AccessRecord;
      if (r?.['event.dataset'] !== 'envoy.access') continue;
      const t = Date.parse(r['@timestamp']);
      if (!Number.isFinite(t)) continue;
      if (this.windows.observe(r, t)) {
        const labels = {
          namespace: r['mesh.destination.namespace'] ?? '',
          service: r['mesh.destination.service']!,
          route: r['mesh.route'],
          subset: r['mesh.destination.subset'] ?? '',
        };
        this.#requests?.inc(labels);
        if (r['mesh.error_class'] !== 'ok') this.#errors?.inc({ ...labels, class: r['mesh.error_class'] });
        if (r['event.duration'] != null) this.#latency?.observe(labels, r['event.duration'] / 1e9);
      }
      this.load.observe(r, t);
      for (const tr of this.breakers.observe(r, t)) {
        transitions.push(tr);
        this.#emit({
          '@timestamp': tr['@timestamp'],
          'event.dataset': 'meshlog.decision',
          'event.id': `breaker:${tr.edge}:${tr['@timestamp']}:${tr.to}`,
          'decision.type': 'breaker',
          'breaker.edge': tr.edge,
          'breaker.from': tr.from,
          'breaker.to': tr.to,
          reason: tr.reason,
          evidence: tr.window,
        });
      }
    }
    return transitions;
  }

  /** Subscribes to decisions (breaker transitions, canary verdicts) as documents, e.g. for Elasticsearch. */
  onDecision(fn: (doc: Record<string, unknown>) => void): void {
    this.#listeners.push(fn);
  }

  #emit(doc: Record<string, unknown>): void {
    for (const fn of this.#listeners) fn(doc);
  }

  /** Window documents for every route bucket that starts at or after `sinceMs`: one per route and bucket, rewritten as it fills. */
  windowDocs(sinceMs: number): Array<Record<string, unknown>> {
    const docs: Array<Record<string, unknown>> = [];
    for (const { key, start, stats } of this.windows.buckets(sinceMs)) {
      const judgedRequests = stats.requests - stats.counts.client_abort;
      docs.push({
        '@timestamp': new Date(start).toISOString(),
        'event.dataset': 'meshlog.window',
        'mesh.route_key': `${key.namespace}/${key.service}/${key.route}/${key.subset}`,
        'mesh.destination.service': key.service,
        'mesh.destination.namespace': key.namespace,
        'mesh.destination.subset': key.subset,
        'mesh.route': key.route,
        'window.bucket_ms': this.config.windows.bucketMs,
        requests: stats.requests,
        'errors.app': stats.counts.app,
        'errors.mesh': stats.counts.mesh,
        'errors.client_abort': stats.counts.client_abort,
        'errors.no_route': stats.counts.no_route,
        'errors.rate_limited': stats.counts.rate_limited,
        error_rate: judgedRequests > 0 ? (stats.counts.app + stats.counts.mesh) / judgedRequests : 0,
        'latency.p50': stats.quantile(0.5),
        'latency.p90': stats.quantile(0.9),
        'latency.p99': stats.quantile(0.99),
      });
    }
    return docs;
  }

  /**
   * The canary judged against its baseline over the routes both served in the window. A side is
   * the subset (from the cluster name, e.g. `outbound|9080|v2|reviews…`) of `service`; if no
   * route has that subset, a service of that name (Flagger's `-canary` / `-primary` pattern).
   */
  canary(q: CanaryQuery): CanaryAnswer {
    const duration = q.window ?? this.config.windows.windows.at(-1)!;
    const ms = this.#windowMs.get(duration);
    if (ms === undefined)
      throw new RangeError(`window must be one of ${[...this.#windowMs.keys()].join(', ')}, got "${duration}"`);
    const end = q.end ?? (Number.isFinite(this.windows.newest) ? this.windows.newest + 1 : Date.now());
    const inNs = (k: RouteKey) => !q.namespace || k.namespace === q.namespace;
    const side = (v: string) => {
      const bySubset = this.windows.query((k) => inNs(k) && k.service === q.service && k.subset === v, ms, end);
      return bySubset.length ? bySubset : this.windows.query((k) => inNs(k) && k.service === v, ms, end);
    };
    const c = side(q.canary);
    const b = side(q.baseline);
    const common = new Set(c.map((x) => x.key.route).filter((r) => b.some((y) => y.key.route === r)));
    const sum = (xs: typeof c) =>
      xs
        .filter((x) => common.size === 0 || common.has(x.key.route))
        .reduce((acc, x) => acc.merge(x.stats), new WindowStats(this.config.windows.sampleSize));
    const verdict = judge(sum(c), sum(b), this.config.canary);
    this.#verdict?.set(
      { namespace: q.namespace ?? '', service: q.service, canary: q.canary, baseline: q.baseline },
      VERDICT_VALUE[verdict.verdict],
    );
    const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);
    this.#emit({
      '@timestamp': iso(end),
      'event.dataset': 'meshlog.decision',
      'event.id': `canary:${q.namespace ?? ''}/${q.service}:${q.canary}/${q.baseline}:${duration}:${end}`,
      'decision.type': 'canary',
      'mesh.destination.service': q.service,
      'mesh.destination.namespace': q.namespace ?? null,
      'canary.subset': q.canary,
      'baseline.subset': q.baseline,
      verdict: verdict.verdict,
      score: verdict.score,
      reason: verdict.metrics.map((m) => `${m.name}: ${m.result} (${m.reason})`).join('; '),
      evidence: verdict.metrics,
    });
    return {
      verdict: verdict.verdict,
      score: verdict.score,
      window: { duration, start: iso(end - ms), end: iso(end) },
      namespace: q.namespace ?? null,
      service: q.service,
      canary: q.canary,
      baseline: q.baseline,
      routes: [...common].sort(),
      metrics: verdict.metrics,
    };
  }

  recommendations(): Recommendation[] {
    return recommend(this.breakers, this.load, this.config.recommend);
  }
}
