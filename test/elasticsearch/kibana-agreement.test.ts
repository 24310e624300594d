/**
 * The Kibana panels agree with meshlog. A real `meshlog run` process parses a known dataset of
 * Istio access logs and writes hops, requests, route windows and decisions into the real
 * Elasticsearch under a prefix of its own; each Lens panel's request (query.ts, from the same spec
 * as the saved object) is run over the dashboard's time range, and its rows are compared with what
 * meshlog answers itself for that range: /v1/canary (error-rate evidence, latency quantiles,
 * verdicts), /metrics (route request and error counters), /v1/breakers/events, and, where meshlog
 * has no API (response flags, business labels), with the dataset that was sent.
 */
import { Client, type estypes } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mulberry32 } from '../../pipeline/testing/mesh-traffic.ts';
import { lensPanels, type LensPanel } from '../../deploy/kibana/panels.ts';
import { MISSING, panelRequest, panelRows, type PanelRow } from '../../deploy/kibana/query.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';

const LINES_PORT = 42090;
const ADMIN_PORT = 42686;
const prefix = `mlt-kibana-${Date.now().toString(36)}`;
const esUrl = inject('esUrl');
const es = new Client({ node: esUrl });

// ---- the dataset --------------------------------------------------------------------------------

/**
 * Two 10 s buckets, two minutes ago. meshlog is asked about the minute ending with the second
 * bucket (END); the dashboard's range is that minute plus one second, so that it also holds the
 * verdicts meshlog stamped END when it was asked (no hop lies in that extra second).
 */
const T0 = Math.floor((Date.now() - 120_000) / 10_000) * 10_000;
const END = T0 + 20_000;
const RANGE = { from: new Date(END - 60_000).toISOString(), to: new Date(END + 1000).toISOString() };

type Class = 'ok' | 'app' | 'mesh' | 'client_abort';
interface Hop {
  t: number;
  service: string;
  subset: string | null;
  route: string;
  workload: string;
  cls: Class;
  ms: number;
  tenant: string;
  plan: string;
}
const STATUS: Record<Class, [number, string]> = {
  ok: [200, '-'],
  app: [500, '-'],
  mesh: [503, 'UF'],
  client_abort: [0, 'DC'],
};

function traffic(
  n: number,
  o: Omit<Hop, 't' | 'cls' | 'ms' | 'tenant' | 'plan'> & {
    startMs: number;
    spacingMs: number;
    cls: (i: number, u: number) => Class;
    ms: (u: number) => number;
    seed: number;
  },
): Hop[] {
  const rnd = mulberry32(o.seed);
  return Array.from({ length: n }, (_, i) => ({
    t: o.startMs + i * o.spacingMs,
    service: o.service,
    subset: o.subset,
    route: o.route,
    workload: o.workload,
    cls: o.cls(i, rnd()),
    ms: o.ms(rnd()),
    tenant: ['acme', 'globex', 'initech'][i % 3],
    plan: ['gold', 'free'][(i + o.seed) % 2],
  }));
}

const HOPS: Hop[] = [
  // The acceptance case: a quiet bucket at 50% errors, a busy one at 0.5% → 11 / 2002 over the range.
  ...traffic(2, {
    service: 'pay',
    subset: null,
    route: '/charge',
    workload: 'api',
    startMs: T0 + 1000,
    spacingMs: 1000,
    cls: (i) => (i === 0 ? 'mesh' : 'ok'),
    ms: (u) => 5 + Math.floor(u * 200),
    seed: 1,
  }),
  ...traffic(2000, {
    service: 'pay',
    subset: null,
    route: '/charge',
    workload: 'api',
    startMs: T0 + 10_000,
    spacingMs: 4,
    cls: (i) => (i % 200 === 7 ? 'mesh' : 'ok'),
    ms: (u) => 5 + Math.floor(u * 200),
    seed: 2,
  }),
  // A canary (v2) against its baseline (v1) on one route, both buckets.
  ...traffic(600, {
    service: 'cart',
    subset: 'v1',
    route: '/items',
    workload: 'web',
    startMs: T0 + 500,
    spacingMs: 30,
    cls: (_i, u) => (u < 0.02 ? 'app' : u < 0.04 ? 'client_abort' : 'ok'),
    ms: (u) => 40 + Math.floor(u * 300),
    seed: 3,
  }),
  ...traffic(600, {
    service: 'cart',
    subset: 'v2',
    route: '/items',
    workload: 'web',
    startMs: T0 + 510,
    spacingMs: 30,
    cls: (_i, u) => (u < 0.06 ? 'mesh' : u < 0.12 ? 'app' : u < 0.14 ? 'client_abort' : 'ok'),
    ms: (u) => 60 + Math.floor(u * 400),
    seed: 4,
  }),
  // A breaker that opens on a burst of failures, then closes after the sleep window.
  ...traffic(40, {
    service: 'stock',
    subset: null,
    route: '/reserve',
    workload: 'batch',
    startMs: T0 + 3000,
    spacingMs: 50,
    cls: () => 'mesh',
    ms: (u) => 100 + Math.floor(u * 900),
    seed: 5,
  }),
  ...traffic(40, {
    service: 'stock',
    subset: null,
    route: '/reserve',
    workload: 'batch',
    startMs: T0 + 12_000,
    spacingMs: 100,
    cls: () => 'ok',
    ms: (u) => 100 + Math.floor(u * 900),
    seed: 6,
  }),
];

/** A hop as Fluent Bit ships it: the Istio JSON access log in `log`, the client pod in `kubernetes`. */
function line(h: Hop, i: number): string {
  const [status, flags] = STATUS[h.cls];
  const log = {
    start_time: new Date(h.t).toISOString(),
    method: 'GET',
    path: h.route,
    protocol: 'HTTP/1.1',
    response_code: status,
    response_flags: flags,
    bytes_received: 0,
    bytes_sent: 100,
    duration: h.ms,
    upstream_service_time: h.cls === 'mesh' ? null : h.ms,
    user_agent: 'load',
    request_id: `${prefix}-${i}`,
    authority: `${h.service}:9080`,
    upstream_host: '10.1.0.9:9080',
    upstream_cluster: `outbound|9080|${h.subset ?? ''}|${h.service}.shop.svc.cluster.local`,
    downstream_local_address: '10.96.0.9:9080',
    downstream_remote_address: `10.0.0.1:${20000 + (i % 40000)}`,
    route_name: 'default',
    x_tenant: h.tenant,
    x_plan: h.plan,
  };
  return JSON.stringify({
    log: JSON.stringify(log),
    kubernetes: { pod_name: `${h.workload}-6d8f9c7b5d-k${i % 7}z9q`, namespace_name: 'shop' },
  });
}

// ---- meshlog's own answers ----------------------------------------------------------------------

interface Side {
  requests: number;
  errors: number;
  rate: number;
}
interface Quantiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}
interface CanaryAnswer {
  verdict: string;
  score: number;
  metrics: Array<
    | { name: 'error_rate'; reason: string; result: string; canary: Side; baseline: Side }
    | { name: 'latency'; reason: string; result: string; canary: Quantiles; baseline: Quantiles }
  >;
}
interface Asked {
  service: string;
  canary: string;
  baseline: string;
  window: string;
  end: number;
  answer: CanaryAnswer;
}

let meshlog: MeshlogProcess;
const asked: Asked[] = [];
let metricsText = '';
let breakerEvents: Array<{ edge: string; from: string; to: string }> = [];

async function canary(service: string, c: string, b: string, window: string, end: number): Promise<CanaryAnswer> {
  const q = new URLSearchParams({
    namespace: 'shop',
    service,
    canary: c,
    baseline: b,
    window,
    end: new Date(end).toISOString(),
  });
  const res = await fetch(`${meshlog.adminUrl}/v1/canary?${q}`);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as CanaryAnswer;
  asked.push({ service, canary: c, baseline: b, window, end, answer });
  return answer;
}
const errorEvidence = (a: CanaryAnswer, side: 'canary' | 'baseline') =>
  (a.metrics.find((m) => m.name === 'error_rate') as { canary: Side; baseline: Side })[side];
const latencyEvidence = (a: CanaryAnswer, side: 'canary' | 'baseline') =>
  (a.metrics.find((m) => m.name === 'latency') as { canary: Quantiles; baseline: Quantiles })[side];

/** A counter from meshlog's /metrics, summed over the series matching `labels`. */
function counter(name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const m of metricsText.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const have = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[2]);
  }
  return total;
}
const routeCounts = (labels: Record<string, string>) => {
  const requests = counter('meshlog_route_requests_total', labels);
  const err = (cls: string) => counter('meshlog_route_errors_total', { ...labels, class: cls });
  return { requests, app: err('app'), mesh: err('mesh'), client_abort: err('client_abort') };
};

// ---- loading ------------------------------------------------------------------------------------

async function count(kind: string, query: Record<string, unknown> = { match_all: {} }): Promise<number> {
  await es.indices.refresh({ index: `${prefix}-${kind}*`, ignore_unavailable: true, allow_no_indices: true });
  const res = await es
    .count({ index: `${prefix}-${kind}*`, query, ignore_unavailable: true, allow_no_indices: true })
    .catch(() => ({ count: 0 }));
  return res.count;
}
async function windowRequests(): Promise<number> {
  await es.indices.refresh({ index: `${prefix}-windows*`, ignore_unavailable: true, allow_no_indices: true });
  const res = await es
    .search({ index: `${prefix}-windows*`, size: 0, aggs: { r: { sum: { field: 'requests' } } } })
    .catch(() => undefined);
  return (res?.aggregations?.r as { value: number } | undefined)?.value ?? 0;
}
async function until(what: string, check: () => Promise<boolean>, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`meshlog did not write ${what} to Elasticsearch in ${tries / 5} s`);
}

beforeAll(async () => {
  meshlog = await startMeshlog(
    `
receivers:
  http_lines: { endpoint: 127.0.0.1:${LINES_PORT} }
processors:
  parse: {}
  labels: { headers: [{ header: x-tenant, name: tenant }, { header: x-plan, name: plan }] }
  join: { idleMs: 1000, tickMs: 200 }
  signals: { windows: { windows: [10s, 1m, 5m] } }
exporters:
  elasticsearch: { endpoints: [${esUrl}], prefix: ${prefix}, batch: { flushMs: 100 } }
service:
  pipelines:
    parsed: { receivers: [http_lines], processors: [parse, labels], exporters: [elasticsearch] }
    signals: { receivers: ['pipeline:parsed'], processors: [signals], exporters: [elasticsearch] }
    requests: { receivers: ['pipeline:parsed'], processors: [join], exporters: [elasticsearch] }`,
    ADMIN_PORT,
  );
  const lines = HOPS.map(line);
  for (let i = 0; i < lines.length; i += 500) {
    const res = await fetch(`http://127.0.0.1:${LINES_PORT}/v1/lines`, {
      method: 'POST',
      body: lines.slice(i, i + 500).join('\n'),
    });
    expect(res.status).toBe(200);
  }
  // The range's answers, then each bucket's (the 10 s window ending with it).
  await until('hops', async () => (await count('hops')) === HOPS.length);
  await canary('cart', 'v2', 'v1', '1m', END);
  await canary('pay', 'pay', 'pay', '1m', END);
  await canary('stock', 'stock', 'stock', '1m', END);
  for (const end of [T0 + 10_000, T0 + 20_000]) {
    await canary('cart', 'v2', 'v1', '10s', end);
    await canary('pay', 'pay', 'pay', '10s', end);
    await canary('stock', 'stock', 'stock', '10s', end);
  }
  metricsText = await (await fetch(`${meshlog.adminUrl}/metrics`)).text();
  breakerEvents = (
    (await (await fetch(`${meshlog.adminUrl}/v1/breakers/events`)).json()) as { events: typeof breakerEvents }
  ).events;
  // Windows are rewritten every bucket interval as they fill; decisions and requests follow.
  await until('the route windows', async () => (await windowRequests()) === HOPS.length, 400);
  await until('the decisions', async () => (await count('decisions')) === asked.length + breakerEvents.length);
  await until('the requests', async () => (await count('requests')) === HOPS.length);
}, 180_000);

afterAll(async () => {
  const code = await meshlog?.stop();
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true }).catch(() => undefined);
  await es.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined);
  await es.close();
  expect(code).toBe(0);
});

// ---- comparing ----------------------------------------------------------------------------------

async function rows(p: LensPanel): Promise<PanelRow[]> {
  const { query, aggs } = panelRequest(p, RANGE);
  const res = await es.search({
    index: `${prefix}-${p.dataView}`,
    size: 0,
    query,
    aggs: aggs as Record<string, estypes.AggregationsAggregationContainer>,
  });
  return panelRows(p, res.aggregations as Record<string, unknown>).map((r) => ({
    ...r,
    key: r.key.map((k) => (k === MISSING ? '' : k)),
  }));
}
const panel = (id: string) => lensPanels().find((p) => p.id === id)!;
const keyOf = (r: PanelRow) => r.key.join(' | ');

/** Exact order statistics (ms) of a set of hops, for the quantile tolerance. */
const sortedMs = (hs: Hop[]) => hs.map((h) => h.ms).sort((a, b) => a - b);

/**
 * A percentile panel against a DDSketch quantile: the sketch is within 1% of a sample quantile,
 * and Elasticsearch's t-digest may pick (or interpolate) a neighbouring order statistic; so the
 * allowance is 1% plus the spread of the order statistics around rank q·n in the data sent.
 */
function expectQuantile(got: number | null, want: number | null, data: number[], q: number, what: string): void {
  expect(got, what).not.toBeNull();
  expect(want, what).not.toBeNull();
  const n = data.length;
  const lo = data[Math.max(0, Math.floor(q * (n - 1)) - 1)];
  const hi = data[Math.min(n - 1, Math.ceil(q * n))];
  const allowance = 0.01 * Math.max(got!, want!) + (hi - lo);
  expect(Math.abs(got! - want!), `${what}: panel ${got}, meshlog ${want}, allowance ${allowance}`).toBeLessThanOrEqual(
    allowance,
  );
}

const hopsOf = (service: string, subset?: string | null) =>
  HOPS.filter((h) => h.service === service && (subset === undefined || (h.subset ?? '') === (subset ?? '')));
const inBucket = (hs: Hop[], start: number) => hs.filter((h) => h.t >= start && h.t < start + 10_000);
const judgedRate = (hs: Hop[]) => {
  const failed = hs.filter((h) => h.cls === 'app' || h.cls === 'mesh').length;
  const judged = hs.filter((h) => h.cls !== 'client_abort').length;
  return { failed, judged, rate: failed / judged };
};
const answerFor = (service: string, window: string, end: number) =>
  asked.find((a) => a.service === service && a.window === window && a.end === end)!.answer;
/** meshlog's answer for one (service, subset) over the range: the canary or the baseline side of a /v1/canary call. */
function rangeSide(service: string, subset: string): { errors: Side; latency: Quantiles } {
  const a = answerFor(service, '1m', END);
  const side = service === 'cart' && subset === 'v1' ? 'baseline' : 'canary';
  return { errors: errorEvidence(a, side), latency: latencyEvidence(a, side) };
}

describe('Kibana panels agree with meshlog on the same data and range', () => {
  it('loaded the dataset through meshlog: every hop, request, window and decision', async () => {
    expect(await count('hops')).toBe(HOPS.length);
    expect(await count('requests')).toBe(HOPS.length);
    expect(await windowRequests()).toBe(HOPS.length);
    expect(breakerEvents.map((e) => `${e.from}→${e.to}`)).toEqual([
      'closed→open',
      'open→half_open',
      'half_open→closed',
    ]);
    expect(answerFor('cart', '1m', END).verdict).toBe('fail');
  });

  it('acceptance: the route error rate is traffic-weighted (11 of 2002), not the mean of the buckets', async () => {
    const pay = (await rows(panel('routes-table'))).find((r) => keyOf(r) === 'pay | /charge | ')!;
    expect(pay.values.requests).toBe(2002);
    expect(pay.values.errors).toBe(11);
    expect(pay.values.error_rate).toBeCloseTo(11 / 2002, 12);
    const perBucket = [1 / 2, 10 / 2000];
    expect(Math.abs(pay.values.error_rate! - (perBucket[0] + perBucket[1]) / 2)).toBeGreaterThan(0.2);
    expect(pay.values.error_rate).toBeCloseTo(errorEvidence(answerFor('pay', '1m', END), 'canary').rate, 6);
  });

  const checks: Record<string, () => Promise<void>> = {
    'routes-table': async () => {
      const got = await rows(panel('routes-table'));
      expect(got.map(keyOf)).toEqual([
        'cart | /items | v1',
        'cart | /items | v2',
        'pay | /charge | ',
        'stock | /reserve | ',
      ]);
      for (const r of got) {
        const [service, route, subset] = r.key;
        const c = routeCounts({ namespace: 'shop', service, route, subset });
        expect(r.values.requests, keyOf(r)).toBe(c.requests);
        expect(r.values.errors, keyOf(r)).toBe(c.app + c.mesh);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo((c.app + c.mesh) / (c.requests - c.client_abort), 12);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo(rangeSide(service, subset).errors.rate, 6);
      }
    },
    'routes-latency': async () => {
      const got = await rows(panel('routes-latency'));
      expect(got).toHaveLength(4);
      for (const r of got) {
        const [service, , subset] = r.key;
        const want = rangeSide(service, subset).latency;
        const data = sortedMs(hopsOf(service, subset));
        for (const q of [50, 90, 99] as const)
          expectQuantile(r.values[`p${q}`], want[`p${q}`], data, q / 100, `${keyOf(r)} p${q}`);
      }
    },
    'routes-requests-time': async () => {
      const got = await rows(panel('routes-requests-time'));
      expect(got).toHaveLength(6);
      for (const r of got) {
        const [start, route] = r.key;
        const want = inBucket(
          HOPS.filter((h) => h.route === route),
          Number(start),
        ).length;
        expect(r.values.requests, keyOf(r)).toBe(want);
      }
    },
    'routes-error-rate-time': async () => {
      const got = await rows(panel('routes-error-rate-time'));
      expect(got).toHaveLength(6);
      for (const r of got) {
        const [start, route] = r.key;
        const service = { '/items': 'cart', '/charge': 'pay', '/reserve': 'stock' }[route]!;
        const a = answerFor(service, '10s', Number(start) + 10_000);
        // The route's rate in the bucket, as meshlog judged it: both sides of the cart canary add up.
        const sides =
          service === 'cart'
            ? [errorEvidence(a, 'canary'), errorEvidence(a, 'baseline')]
            : [errorEvidence(a, 'canary')];
        const want = sides.reduce((s, x) => s + x.errors, 0) / sides.reduce((s, x) => s + x.requests, 0);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo(want, 12);
      }
    },
    'canary-error-rate': async () => {
      const got = await rows(panel('canary-error-rate'));
      expect(got.map(keyOf)).toEqual(['cart | v1', 'cart | v2', 'pay | ', 'stock | ']);
      for (const r of got) {
        const want = rangeSide(r.key[0], r.key[1]).errors;
        expect(r.values.requests, keyOf(r)).toBe(want.requests);
        expect(r.values.errors, keyOf(r)).toBe(want.errors);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo(want.rate, 6);
      }
    },
    'canary-latency': async () => {
      const got = await rows(panel('canary-latency'));
      expect(got).toHaveLength(4);
      for (const r of got) {
        const want = rangeSide(r.key[0], r.key[1]).latency;
        const data = sortedMs(hopsOf(r.key[0], r.key[1]));
        for (const q of [50, 90, 99] as const)
          expectQuantile(r.values[`p${q}`], want[`p${q}`], data, q / 100, `${keyOf(r)} p${q}`);
      }
    },
    'canary-error-rate-time': async () => {
      const got = await rows(panel('canary-error-rate-time'));
      expect(got).toHaveLength(6);
      for (const r of got) {
        const [start, subset] = r.key;
        const end = Number(start) + 10_000;
        // Subset "" is every route without one (pay and stock): their errors over their requests.
        const sides =
          subset === ''
            ? [
                errorEvidence(answerFor('pay', '10s', end), 'canary'),
                errorEvidence(answerFor('stock', '10s', end), 'canary'),
              ]
            : [errorEvidence(answerFor('cart', '10s', end), subset === 'v2' ? 'canary' : 'baseline')];
        const want = sides.reduce((s, x) => s + x.errors, 0) / sides.reduce((s, x) => s + x.requests, 0);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo(want, 12);
      }
    },
    'canary-verdicts': async () => {
      const got = await rows(panel('canary-verdicts'));
      const want = new Map<string, number>();
      for (const a of asked) {
        const k = ['shop', a.service, a.canary, a.baseline, a.answer.verdict].join(' | ');
        want.set(k, (want.get(k) ?? 0) + 1);
      }
      expect(new Map(got.map((r) => [keyOf(r), r.values.judgements]))).toEqual(want);
    },
    'failures-flags': async () => {
      const got = await rows(panel('failures-flags'));
      const want = {
        DC: HOPS.filter((h) => h.cls === 'client_abort').length,
        UF: HOPS.filter((h) => h.cls === 'mesh').length,
      };
      expect(Object.fromEntries(got.map((r) => [keyOf(r), r.values.hops]))).toEqual(want);
    },
    'failures-classes': async () => {
      const got = await rows(panel('failures-classes'));
      for (const service of ['cart', 'pay', 'stock']) {
        const c = routeCounts({ namespace: 'shop', service });
        const want: Record<string, number> = {
          ok: c.requests - c.app - c.mesh - c.client_abort,
          app: c.app,
          mesh: c.mesh,
          client_abort: c.client_abort,
        };
        const have = Object.fromEntries(got.filter((r) => r.key[0] === service).map((r) => [r.key[1], r.values.hops]));
        expect(have, service).toEqual(Object.fromEntries(Object.entries(want).filter(([, v]) => v > 0)));
      }
    },
    'failures-edges': async () => {
      const got = await rows(panel('failures-edges'));
      expect(got.map(keyOf)).toEqual(['api | pay', 'batch | stock', 'web | cart']);
      for (const r of got) {
        const c = routeCounts({ namespace: 'shop', service: r.key[1] });
        expect(r.values.failed, keyOf(r)).toBe(c.app + c.mesh);
        expect(r.values.judged, keyOf(r)).toBe(c.requests - c.client_abort);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo((c.app + c.mesh) / (c.requests - c.client_abort), 12);
      }
    },
    'failures-breakers': async () => {
      const got = await rows(panel('failures-breakers'));
      const want = new Map<string, number>();
      for (const e of breakerEvents) {
        const k = [e.edge, e.from, e.to].join(' | ');
        want.set(k, (want.get(k) ?? 0) + 1);
      }
      expect(new Map(got.map((r) => [keyOf(r), r.values.transitions]))).toEqual(want);
    },
    'business-tenant': async () => {
      const got = await rows(panel('business-tenant'));
      expect(got.map(keyOf)).toEqual(['acme', 'globex', 'initech']);
      for (const r of got) {
        const hs = HOPS.filter((h) => h.tenant === r.key[0]);
        const { failed, rate } = judgedRate(hs);
        expect(r.values.requests, keyOf(r)).toBe(hs.length);
        expect(r.values.failed, keyOf(r)).toBe(failed);
        expect(r.values.error_rate, keyOf(r)).toBeCloseTo(rate, 12);
        const data = sortedMs(hs);
        expectQuantile(r.values.p90, data[Math.floor(0.9 * (data.length - 1))], data, 0.9, `${keyOf(r)} p90`);
      }
    },
    'business-plan-latency': async () => {
      const got = await rows(panel('business-plan-latency'));
      expect(got.map(keyOf)).toEqual(['free', 'gold']);
      for (const r of got) {
        const data = sortedMs(HOPS.filter((h) => h.plan === r.key[0]));
        for (const q of [50, 90, 99] as const)
          expectQuantile(
            r.values[`p${q}`],
            data[Math.floor((q / 100) * (data.length - 1))],
            data,
            q / 100,
            `${keyOf(r)} p${q}`,
          );
      }
    },
  };

  it('every Lens panel has an agreement check', () => {
    expect(Object.keys(checks).sort()).toEqual(
      lensPanels()
        .map((p) => p.id)
        .sort(),
    );
  });

  it.each(lensPanels().map((p) => [p.id, p.title] as const))('%s: %s', async (id) => {
    await checks[id]();
  });

  it("the canary evidence panel (Discover session) shows meshlog's verdicts, scores and reasons, newest first", async () => {
    const res = await es.search({
      index: `${prefix}-decisions`,
      size: 100,
      query: {
        bool: {
          filter: [
            { term: { 'decision.type': 'canary' } },
            { range: { '@timestamp': { gte: RANGE.from, lt: RANGE.to } } },
          ],
        },
      },
      sort: [{ '@timestamp': 'desc' }],
    });
    const docs = res.hits.hits.map((h) => h._source as Record<string, unknown>);
    expect(docs).toHaveLength(asked.length);
    expect(Date.parse(String(docs[0]['@timestamp']))).toBe(END);
    for (const a of asked) {
      const reason = a.answer.metrics.map((m) => `${m.name}: ${m.result} (${m.reason})`).join('; ');
      expect(
        docs.some(
          (d) =>
            d['mesh.destination.service'] === a.service &&
            d['canary.subset'] === a.canary &&
            d.verdict === a.answer.verdict &&
            d.score === a.answer.score &&
            d.reason === reason,
        ),
        `${a.service} ${a.canary}/${a.baseline} ${a.window}`,
      ).toBe(true);
    }
  });
});
