import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trafficLines, type TrafficSpec } from '../../pipeline/testing/mesh-traffic.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';
import {
  argoMeasure,
  flaggerHooks,
  harnessBinary,
  type ArgoMeasurement,
  type FlaggerHook,
} from '../controllers/harness.ts';
import { flaggerTarget, loadAnalysisTemplate, loadFlaggerCanary } from '../controllers/templates.ts';

/**
 * Argo Rollouts' and Flagger's own client code (test/controllers, built by test/services/controllers.sh)
 * run against a live `meshlog run --mode all` fed with each canary scenario, through the shipped
 * AnalysisTemplate and Canary (test/controllers/templates.ts). Each scenario gets its own meshlog so
 * that the fixed names of the shipped Canary see only that scenario.
 *
 * Argo's traffic: service cart in namespace shop, subsets canary and stable (a Rollout's
 * DestinationRule subsets, passed as the args a Rollout's analysis step passes). Flagger's traffic:
 * the services the Canary's gate webhook names (by default `<name>-canary` and `<name>-primary`, the
 * Services Flagger creates).
 */

const PORTS = { admin: 43100, lines: 43200 };
const ARGO_ARGS = { namespace: 'shop', service: 'cart', 'canary-subset': 'canary', 'stable-subset': 'stable' };
const FLAGGER = flaggerTarget(loadFlaggerCanary());
const REQUESTS = 1500;
const ARGO_QUERY = new URLSearchParams({ namespace: 'shop', service: 'cart', canary: 'canary', baseline: 'stable' });
const FLAGGER_QUERY = new URLSearchParams({ ...FLAGGER });

type Side = Pick<TrafficSpec, 'errorRate' | 'latencyMs'>;
type Verdict = 'pass' | 'fail' | 'inconclusive';
interface Scenario {
  name: string;
  requests: number;
  canary: Side;
  baseline: Side;
  verdict: Verdict;
  argo: ArgoMeasurement['phase'];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'errors up (10% vs 1%)',
    requests: REQUESTS,
    canary: { errorRate: 0.1 },
    baseline: { errorRate: 0.01 },
    verdict: 'fail',
    argo: 'Failed',
  },
  {
    name: 'latency up (median 40 ms vs 20 ms)',
    requests: REQUESTS,
    canary: { errorRate: 0.01, latencyMs: 40 },
    baseline: { errorRate: 0.01, latencyMs: 20 },
    verdict: 'fail',
    argo: 'Failed',
  },
  {
    name: 'identical',
    requests: REQUESTS,
    canary: { errorRate: 0.01 },
    baseline: { errorRate: 0.01 },
    verdict: 'pass',
    argo: 'Successful',
  },
  {
    name: 'too little traffic (20 requests a side)',
    requests: 20,
    canary: { errorRate: 0 },
    baseline: { errorRate: 0 },
    verdict: 'inconclusive',
    argo: 'Inconclusive',
  },
];

/**
 * What a correct gate makes Flagger's scheduler do, per hook type and verdict: a bad canary halts
 * (and a rollback hook rolls it back), a good one advances (and is never rolled back), too little
 * traffic neither advances nor rolls back.
 */
const FLAGGER_EXPECTED: Record<Verdict, Record<FlaggerHook['type'], FlaggerHook['action']>> = {
  pass: { 'pre-rollout': 'advance', rollout: 'advance', 'confirm-promotion': 'advance', rollback: 'continue' },
  fail: { 'pre-rollout': 'halt', rollout: 'halt', 'confirm-promotion': 'halt', rollback: 'rollback' },
  inconclusive: { 'pre-rollout': 'halt', rollout: 'halt', 'confirm-promotion': 'halt', rollback: 'continue' },
};

let argoBin: string;
let flaggerBin: string;

beforeAll(async () => {
  // Builds both harnesses on a cold cache (minutes; `npm run services:up` builds them beforehand),
  // afterwards a hash check. The limit is generous because a shared machine builds slowly.
  argoBin = await harnessBinary('argo');
  flaggerBin = await harnessBinary('flagger');
}, 30 * 60_000);

const signalsConfig = (linesPort: number) => `
receivers:
  http_lines: { endpoint: 127.0.0.1:${linesPort} }
processors:
  parse: {}
  signals: {}
exporters:
  blackhole: {}
service:
  pipelines:
    signals: { receivers: [http_lines], processors: [parse, signals], exporters: [blackhole] }`;

async function send(linesPort: number, lines: string[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${linesPort}/v1/lines`, { method: 'POST', body: lines.join('\n') });
  expect(res.status).toBe(200);
}

interface CanaryAnswer {
  verdict: string;
  metrics: Array<{ name: string; canary?: { requests: number }; baseline?: { requests: number } }>;
}

/** Waits until meshlog's windows hold every request sent to both sides (ingestion is asynchronous). */
async function waitIngested(adminUrl: string, query: URLSearchParams, requests: number): Promise<CanaryAnswer> {
  let answer: CanaryAnswer | undefined;
  for (let i = 0; i < 200; i++) {
    answer = (await (await fetch(`${adminUrl}/v1/canary?${query.toString()}&window=1m`)).json()) as CanaryAnswer;
    const e = answer.metrics.find((m) => m.name === 'error_rate');
    if (e?.canary?.requests === requests && e.baseline?.requests === requests) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`meshlog did not ingest ${requests} requests a side for ${query}: ${JSON.stringify(answer)}`);
}

describe.each(SCENARIOS.map((s, i) => ({ ...s, i })))('canary scenario: $name', (s) => {
  let meshlog: MeshlogProcess;
  let views: CanaryAnswer[];
  const linesPort = PORTS.lines + s.i;

  beforeAll(async () => {
    meshlog = await startMeshlog(signalsConfig(linesPort), PORTS.admin + s.i);
    const start = Date.now() - 30_000;
    const spacingMs = Math.floor(15_000 / s.requests);
    const side = (namespace: string, service: string, subset: string, spec: Side, seed: number) =>
      trafficLines({ service, namespace, subset, requests: s.requests, startMs: start, spacingMs, seed, ...spec });
    await send(linesPort, [
      ...side('shop', 'cart', 'canary', s.canary, 11),
      ...side('shop', 'cart', 'stable', s.baseline, 12),
      ...side(FLAGGER.namespace, FLAGGER.canary, 'v1', s.canary, 21),
      ...side(FLAGGER.namespace, FLAGGER.baseline, 'v1', s.baseline, 22),
    ]);
    views = [
      await waitIngested(meshlog.adminUrl, ARGO_QUERY, s.requests),
      await waitIngested(meshlog.adminUrl, FLAGGER_QUERY, s.requests),
    ];
  });
  afterAll(async () => {
    expect(await meshlog.stop()).toBe(0);
  });

  it(`meshlog's own verdict to both controllers' questions is ${s.verdict}`, () => {
    // Checked apart from the controllers, so a failure below is the controllers' reading of the answer.
    expect(views.map((v) => v.verdict)).toEqual([s.verdict, s.verdict]);
  });

  it(`Argo Rollouts' web provider measures ${s.argo}`, async () => {
    const [m, ...more] = await argoMeasure(argoBin, loadAnalysisTemplate(), meshlog.adminUrl, ARGO_ARGS);
    expect(more).toEqual([]);
    expect(m).toMatchObject({ phase: s.argo, value: JSON.stringify(s.verdict) });
    // Only the Service's scheme, host and port were replaced: the template's own path and query ran.
    const asked = new URL(m.url);
    const shipped = new URL(m.templateUrl);
    expect(asked.host).toBe(new URL(meshlog.adminUrl).host);
    expect(shipped.host).not.toBe(asked.host);
    expect(asked.pathname + asked.search).toBe(shipped.pathname + shipped.search);
  });

  it(`Flagger's webhook caller ${s.verdict === 'pass' ? 'advances' : 'does not advance'}`, async () => {
    const hooks = await flaggerHooks(flaggerBin, loadFlaggerCanary(), meshlog.adminUrl);
    expect(hooks.map((h) => h.type)).toContain('rollout');
    for (const h of hooks) {
      expect({ type: h.type, action: h.action }).toEqual({ type: h.type, action: FLAGGER_EXPECTED[s.verdict][h.type] });
      expect(new URL(h.url).pathname).toBe(new URL(h.templateUrl).pathname);
      // A halted webhook carries meshlog's evidence in the body Flagger logs in its event.
      if (!h.passed) expect(JSON.parse(h.error ?? '')).toMatchObject({ verdict: s.verdict, phase: 'Progressing' });
    }
  });
});

describe('a meshlog that cannot answer', () => {
  let empty: MeshlogProcess;
  let noSignals: MeshlogProcess;
  const DOWN = 'http://127.0.0.1:43999';

  beforeAll(async () => {
    empty = await startMeshlog(signalsConfig(PORTS.lines + 90), PORTS.admin + 90);
    // No signals processor in its pipelines: no signals API either (404), which Argo counts as an Error.
    noSignals = await startMeshlog(
      `
receivers:
  http_lines: { endpoint: 127.0.0.1:${PORTS.lines + 91} }
processors:
  parse: {}
exporters:
  blackhole: {}
service:
  pipelines:
    requests: { receivers: [http_lines], processors: [parse], exporters: [blackhole] }`,
      PORTS.admin + 91,
    );
  });
  afterAll(async () => {
    expect(await empty.stop()).toBe(0);
    expect(await noSignals.stop()).toBe(0);
  });

  it('is an Error in Argo when meshlog is down, counted against consecutiveErrorLimit (4, Argo default)', async () => {
    const [m] = await argoMeasure(argoBin, loadAnalysisTemplate(), DOWN, ARGO_ARGS);
    expect(m).toMatchObject({ phase: 'Error', value: '', consecutiveErrorLimit: 4 });
    expect(m.message).toContain('connection refused');
  });

  it('is an Error in Argo when meshlog answers an error (400 for a query without a service)', async () => {
    const [m] = await argoMeasure(argoBin, loadAnalysisTemplate(), empty.adminUrl, { ...ARGO_ARGS, service: '' });
    expect(m).toMatchObject({ phase: 'Error', value: '', message: 'received non 2xx response code: 400' });
  });

  it('is Inconclusive in Argo when meshlog has no data for the canary yet', async () => {
    const [m] = await argoMeasure(argoBin, loadAnalysisTemplate(), empty.adminUrl, ARGO_ARGS);
    expect(m).toMatchObject({ phase: 'Inconclusive', value: '"inconclusive"' });
  });

  it('is an Error in Argo, never Successful, when the meshlog asked runs no signals (404)', async () => {
    const [m] = await argoMeasure(argoBin, loadAnalysisTemplate(), noSignals.adminUrl, ARGO_ARGS);
    expect(m).toMatchObject({ phase: 'Error', value: '', message: 'received non 2xx response code: 404' });
  });

  it.each([
    ['down (connection refused)', () => DOWN],
    ['without data (no signals pipeline)', () => noSignals.adminUrl],
  ])('neither advances nor rolls back Flagger: %s', async (_, url) => {
    const hooks = await flaggerHooks(flaggerBin, loadFlaggerCanary(), url());
    expect(hooks.length).toBeGreaterThan(0);
    for (const h of hooks) expect(h.action).toBe(h.type === 'rollback' ? 'continue' : 'halt');
  });
});
