import { Counter, Gauge } from 'prom-client';
import { hostname } from 'node:os';
import type { AccessRecord, CallsRecord, DecisionRecord, WindowRecord } from '../../pipeline/records.ts';
import type { Metrics } from '../../pipeline/telemetry/metrics.ts';
import { type HistogramSeries, SeriesHistogram } from '../../pipeline/telemetry/series-histogram.ts';
import { parseDuration } from '../../pipeline/duration.ts';
import { Breakers } from './breaker/breakers.ts';
import { callOf, type Call, type Edge } from './calls/call.ts';
import { CallLog } from './calls/log.ts';
import { CallMerge } from './calls/merge.ts';
import type { Transition } from './breaker/machine.ts';
import { judge, type CanaryVerdict } from './canary/judge.ts';
import { LoadTracker } from './recommend/load.ts';
import { recommend, type Recommendation } from './recommend/recommend.ts';
import { Windows, type RouteKey } from './windows/windows.ts';
import { decodeState, encodeState, WindowStats } from './windows/window.ts';
import type { SignalsConfig } from './config.ts';
import { parseIsoMs } from '../../pipeline/time/iso.ts';

export interface CanaryQuery {
  namespace?: string;
  service: string;
  canary: string;
  baseline: string;
  window?: string;
  /** End of the window, epoch ms; default: the newest event seen. */
  end?: number;
  /** Record the verdict as a decision and in `meshlog_canary_verdict` (what the canary controllers ask). Default: true; a page view passes false. */
  record?: boolean;
}

export interface CanaryAnswer extends CanaryVerdict {
  namespace: string | null;
  service: string;
  canary: string;
  baseline: string;
  window: { duration: string; start: string | null; end: string | null };
  routes: string[];
}

/** One route's counts in a batch, until they go to prom-client. */
interface RouteCount {
  labels: Record<string, string>;
  n: number;
  errors?: Map<string, { labels: Record<string, string>; n: number }>;
  latency?: HistogramSeries;
}

/** The latency series' key of a route (the label values, NUL-separated). */
const routeKeyString = (k: RouteKey) => `${k.namespace}\0${k.service}\0${k.route}\0${k.subset}`;

const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
const VERDICT_VALUE = { pass: 1, inconclusive: 0, fail: -1 } as const;
/** Decisions kept for the next emit at most; a flood of canary queries cannot grow memory. */
const MAX_PENDING_DECISIONS = 10_000;
const MAX_VERDICT_SERIES = 1000;

/**
 * The signals side of meshlog: route windows, breakers and load, fed with AccessRecords as
 * they are parsed (not after the join), and the questions asked of them: canary verdicts,
 * breaker states and transitions, and recommendations. One per process; the API and the
 * Prometheus series read it.
 */
export class SignalsEngine {
  readonly config: SignalsConfig;
  readonly windows: Windows;
  readonly breakers: Breakers;
  readonly load = new LoadTracker();
  readonly #windowMs: Map<string, number>;
  readonly #requests?: Counter;
  readonly #errors?: Counter;
  readonly #latency?: SeriesHistogram;
  readonly #verdict?: Gauge;
  /** Decisions taken since the last `takeDecisions`, oldest first (bounded: the oldest go first). */
  #decisions: DecisionRecord[] = [];
  readonly #verdictSeries = new Map<string, Record<string, string>>();
  /** Names this process in the window partials it emits: partials of one source replace each other. */
  readonly source: string;
  /** Window partials and calls records from other processes that could not be read. */
  badPartials = 0;
  /** The calls this process observed, kept for `takeCalls` when it emits them (processor mode). */
  readonly #callLog?: CallLog;
  /** Calls other processes sent, merged into event time for the breakers and the load tracker. */
  readonly calls: CallMerge;

  constructor(config: SignalsConfig, metrics?: Metrics, source = `${hostname()}/${process.pid}`) {
    this.config = config;
    this.source = source;
    this.#windowMs = new Map(config.windows.windows.map((w) => [w, parseDuration(w, 'signals.windows.windows')]));
    this.windows = new Windows(config.windows, Math.max(...this.#windowMs.values()));
    this.breakers = new Breakers(config.breaker);
    // Three emit intervals without a newer event: an origin or a source is idle and holds no one back.
    if (config.emit.calls) this.#callLog = new CallLog(source, 3 * config.emitIntervalMs);
    this.calls = new CallMerge(3 * config.emitIntervalMs);
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
      this.#latency = new SeriesHistogram({
        name: 'meshlog_route_latency_seconds',
        help: 'Request latency per route.',
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

  /**
   * Feeds one batch of records: AccessRecords, and other processes' window partials and calls
   * records; anything else is ignored. `origin` names where the batch was read from (a Kafka
   * partition), for the watermark of the calls this process sends. Returns the breaker transitions
   * the AccessRecords caused.
   */
  observe(records: readonly unknown[], origin?: string): Transition[] {
    const transitions: Transition[] = [];
    // Request and error counts go to prom-client once per route and batch (each inc hashes its
    // labels); latencies go into the route's series, looked up once per route and batch. Routes are
    // told apart by the windows' route object, so a record builds no key string here.
    const counts = this.#requests ? new Map<RouteKey, RouteCount>() : undefined;
    const errors: Array<{ labels: Record<string, string>; n: number }> = [];
    for (const x of records) {
      const r = x as AccessRecord;
      const dataset = r?.['event.dataset'] as string | undefined;
      if (dataset !== 'envoy.access') {
        if (dataset === 'meshlog.window') this.#mergePartial(x as WindowRecord);
        else if (dataset === 'meshlog.calls') this.#mergeCalls(x as CallsRecord);
        continue;
      }
      const t = parseIsoMs(r['@timestamp']);
      if (!Number.isFinite(t)) continue;
      const route = this.windows.observeRoute(r, t);
      if (route && counts) {
        let c = counts.get(route);
        if (!c) {
          const labels = {
            namespace: route.namespace,
            service: route.service,
            route: route.route,
            subset: route.subset,
          };
          counts.set(route, (c = { labels, n: 0 }));
        }
        c.n++;
        const errorClass = r['mesh.error_class'];
        if (errorClass !== 'ok') {
          const e = (c.errors ??= new Map()).get(errorClass);
          if (e) e.n++;
          else {
            const added = { labels: { ...c.labels, class: errorClass }, n: 1 };
            c.errors.set(errorClass, added);
            errors.push(added);
          }
        }
        if (r['event.duration'] != null)
          (c.latency ??= this.#latency!.series(routeKeyString(route), c.labels)).observe(r['event.duration'] / 1e9);
      }
      this.#callLog?.advance(t, origin);
      const c = callOf(r, t);
      if (c) {
        this.#callLog?.add(c.edge, c.call);
        this.#feed(c.edge, c.call, transitions);
      }
    }
    for (const { labels, n } of counts?.values() ?? []) this.#requests!.inc(labels, n);
    for (const { labels, n } of errors) this.#errors!.inc(labels, n);
    return transitions;
  }

  /** One call into the load tracker and the breakers; a transition becomes a decision. */
  #feed(edge: Edge, call: Call, transitions: Transition[]): void {
    this.load.observe(edge, call);
    for (const tr of this.breakers.observe(edge, call)) {
      transitions.push(tr);
      this.#decide({
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

  #mergeCalls(r: CallsRecord): void {
    if (r['calls.source'] === this.source) return; // our own output read back
    try {
      this.calls.add(r, Date.now());
    } catch {
      this.badPartials++;
    }
  }

  /**
   * Feeds the merged calls of other processes that every active source has vouched for, in event
   * time, to the load tracker and the breakers (the processor calls it every emit interval).
   */
  releaseCalls(now = Date.now()): Transition[] {
    const transitions: Transition[] = [];
    for (const { edge, call } of this.calls.release(now)) this.#feed(edge, call, transitions);
    return transitions;
  }

  /** Records from `origin` now go to another process: the calls watermark stops waiting for it. */
  forgetOrigin(origin: string): void {
    this.#callLog?.forget(origin);
  }

  /** The calls observed since the last call, as CallsRecords (only when `emit.calls` is on). */
  takeCalls(): CallsRecord[] {
    return this.#callLog?.take() ?? [];
  }

  #decide(doc: DecisionRecord): void {
    if (this.#decisions.length >= MAX_PENDING_DECISIONS) this.#decisions.shift();
    this.#decisions.push(doc);
  }

  /** The decisions taken since the last call, oldest first. */
  takeDecisions(): DecisionRecord[] {
    const out = this.#decisions;
    this.#decisions = [];
    return out;
  }

  /** A partial for each local bucket that changed since the last call (cumulative for its bucket). */
  takeWindows(): WindowRecord[] {
    const out: WindowRecord[] = [];
    for (const { key, start, stats } of this.windows.takeChanged()) {
      const judged = stats.requests - stats.counts.client_abort;
      const routeKey = `${key.namespace}/${key.service}/${key.route}/${key.subset}`;
      const state = encodeState(stats);
      out.push({
        '@timestamp': new Date(start).toISOString(),
        'event.dataset': 'meshlog.window',
        'event.id': `${routeKey}@${start}@${this.source}`,
        'window.source': this.source,
        'window.bucket_ms': this.config.windows.bucketMs,
        'mesh.route_key': routeKey,
        'mesh.destination.service': key.service,
        'mesh.destination.namespace': key.namespace,
        'mesh.destination.subset': key.subset,
        'mesh.route': key.route,
        requests: stats.requests,
        'errors.ok': stats.counts.ok,
        'errors.app': stats.counts.app,
        'errors.mesh': stats.counts.mesh,
        'errors.client_abort': stats.counts.client_abort,
        'errors.no_route': stats.counts.no_route,
        'errors.rate_limited': stats.counts.rate_limited,
        error_rate: judged > 0 ? (stats.counts.app + stats.counts.mesh) / judged : 0,
        'latency.p50': stats.quantile(0.5),
        'latency.p90': stats.quantile(0.9),
        'latency.p99': stats.quantile(0.99),
        'window.sketch': state.sketch,
        'window.sample': state.sample,
      });
    }
    return out;
  }

  #mergePartial(w: WindowRecord): void {
    if (w['window.source'] === this.source) return; // our own output read back
    const start = Date.parse(w['@timestamp']);
    try {
      if (!Number.isFinite(start)) throw new RangeError(`bad @timestamp ${w['@timestamp']}`);
      if (w['window.bucket_ms'] !== this.config.windows.bucketMs)
        throw new RangeError(`bucket ${w['window.bucket_ms']} ms differs from ours (${this.config.windows.bucketMs})`);
      const counts = {
        ok: w['errors.ok'],
        app: w['errors.app'],
        mesh: w['errors.mesh'],
        client_abort: w['errors.client_abort'],
        no_route: w['errors.no_route'],
        rate_limited: w['errors.rate_limited'],
      };
      const stats = decodeState(
        counts,
        { sketch: w['window.sketch'], sample: w['window.sample'] },
        this.config.windows.sampleSize,
      );
      const key = {
        namespace: w['mesh.destination.namespace'] ?? '',
        service: w['mesh.destination.service'],
        route: w['mesh.route'],
        subset: w['mesh.destination.subset'] ?? '',
      };
      this.windows.mergePartial(key, start, w['window.source'], stats);
    } catch {
      this.badPartials++;
    }
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
    const record = q.record ?? true;
    if (record && (c.length > 0 || b.length > 0)) this.#setVerdictGauge(q, VERDICT_VALUE[verdict.verdict]);
    const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);
    if (record)
      this.#decide({
        '@timestamp': iso(end)!,
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

  /**
   * One `meshlog_canary_verdict` series per canary that has data, the most recently asked
   * `MAX_VERDICT_SERIES` at most: a query for a service nobody serves adds none.
   */
  #setVerdictGauge(q: CanaryQuery, value: number): void {
    if (!this.#verdict) return;
    const labels = { namespace: q.namespace ?? '', service: q.service, canary: q.canary, baseline: q.baseline };
    const id = JSON.stringify(labels);
    this.#verdictSeries.delete(id);
    this.#verdictSeries.set(id, labels);
    this.#verdict.set(labels, value);
    if (this.#verdictSeries.size > MAX_VERDICT_SERIES) {
      const [oldest, old] = this.#verdictSeries.entries().next().value!;
      this.#verdictSeries.delete(oldest);
      this.#verdict.remove(old);
    }
  }

  recommendations(): Recommendation[] {
    return recommend(this.breakers, this.load, this.config.recommend);
  }
}
