import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { parsedInTimeOrder } from './testdata/parsed.ts';
import { registerSignalsApi } from './api.ts';
import { signalsConfig } from './config.ts';
import { SignalsEngine } from './engine.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const records = parsedInTimeOrder;

const engine = new SignalsEngine(
  signalsConfig.parse({ recommend: { concurrencyLimits: { 'shop/cart': 4 } }, canary: { minRequests: 50 } }),
);
const app = Fastify();
registerSignalsApi(app, engine);

beforeAll(async () => {
  // A canary that fails (30% 503 UF) against a clean baseline, slow enough to hold many calls at once.
  engine.observe(
    records([
      ...trafficLines({
        service: 'cart',
        subset: 'v1',
        requests: 400,
        startMs: T0,
        spacingMs: 50,
        latencyMs: 400,
        seed: 1,
      }),
      ...trafficLines({
        service: 'cart',
        subset: 'v2',
        requests: 400,
        errorRate: 0.3,
        startMs: T0,
        spacingMs: 50,
        latencyMs: 400,
        seed: 2,
      }),
      // A dependency that fails most calls: its breaker opens.
      ...trafficLines({
        service: 'pay',
        subset: '',
        requests: 200,
        errorRate: 0.9,
        startMs: T0,
        spacingMs: 20,
        seed: 3,
      }),
    ]),
  );
  await app.ready();
});
afterAll(() => app.close());

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

describe('signals API', () => {
  it('answers a canary query with the verdict Argo Rollouts reads at $.verdict', async () => {
    const res = await get('/v1/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=5m');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ verdict: 'fail', service: 'cart', canary: 'v2', baseline: 'v1' });
  });

  it.each([
    ['/v1/canary?service=cart&canary=v2', 'baseline'],
    ['/v1/canary?service=cart&canary=v2&baseline=v1&window=abc', 'window'],
    ['/v1/canary?service=cart&canary=v2&baseline=v1&window=10m', 'window'],
    ['/v1/canary?service=cart&canary=v2&baseline=v1&end=yesterday', 'end'],
    ['/v1/breakers/events?since=soon', 'since'],
  ])('GET %s is a 400 that names %s', async (url, parameter) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'MESHLOG_BAD_QUERY', parameter });
  });

  it.each(['abc', '10m', '0s', '5'])('the Flagger gate answers 400, not 500, to metadata.window %s', async (window) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/flagger/gate',
      payload: { name: 'cart', namespace: 'shop', metadata: { window, canary: 'v2', baseline: 'v1', service: 'cart' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ parameter: 'metadata.window' });
  });

  it('the Flagger gate halts a failing canary with 412 and the evidence', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/flagger/gate',
      payload: {
        name: 'cart',
        namespace: 'shop',
        metadata: { canary: 'v2', baseline: 'v1', service: 'cart', window: '5m' },
      },
    });
    expect(res.statusCode).toBe(412);
    expect(res.json().metrics.find((m: { name: string }) => m.name === 'error_rate').result).toBe('fail');
  });

  it('recommends a DestinationRule where a breaker opened and a local rate limit past the concurrency limit', async () => {
    const res = await get('/v1/recommendations', { accept: 'application/json' });
    const recs = res.json().recommendations as Array<{ kind: string; service: string; reason: string; resource: any }>;
    const rule = recs.find((r) => r.kind === 'DestinationRule' && r.service === 'pay');
    expect(rule?.reason).toMatch(/breaker on .*pay.* opened/);
    expect(rule?.resource.spec.host).toBe('pay.shop.svc.cluster.local');
    expect(rule?.resource.spec.trafficPolicy.outlierDetection).toBeDefined();
    expect(recs.some((r) => r.kind === 'EnvoyFilter' && r.service === 'cart')).toBe(true);
    const yaml = await get('/v1/recommendations');
    expect(yaml.headers['content-type']).toMatch(/yaml/);
    expect(yaml.body).toContain('kind: DestinationRule');
  });
});
