import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';

let meshlog: MeshlogProcess;
const LINES = 'http://127.0.0.1:38090/v1/lines';

beforeAll(async () => {
  meshlog = await startMeshlog(
    `
receivers:
  http_lines: { endpoint: 127.0.0.1:38090 }
processors:
  parse: {}
  signals: {}
exporters:
  blackhole: {}
service:
  pipelines:
    signals: { receivers: [http_lines], processors: [parse, signals], exporters: [blackhole] }`,
    38688,
  );
});
afterAll(async () => {
  expect(await meshlog.stop()).toBe(0);
});

const send = async (lines: string[]) =>
  expect((await fetch(LINES, { method: 'POST', body: lines.join('\n') })).status).toBe(200);
const canary = async () =>
  (
    await fetch(`${meshlog.adminUrl}/v1/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=1m`)
  ).json() as Promise<{ verdict: string; score: number; metrics: Array<{ name: string; result: string }> }>;

describe('a running meshlog judges a live canary', () => {
  it('passes at 1% errors on both sides, then fails within a second once the canary reaches 10%', async () => {
    const start = Date.now() - 30_000;
    await send([
      ...trafficLines({
        service: 'cart',
        subset: 'v1',
        requests: 1500,
        errorRate: 0.01,
        startMs: start,
        spacingMs: 10,
        seed: 1,
      }),
      ...trafficLines({
        service: 'cart',
        subset: 'v2',
        requests: 1500,
        errorRate: 0.01,
        startMs: start,
        spacingMs: 10,
        seed: 2,
      }),
    ]);
    let v = await canary();
    for (let i = 0; i < 20 && v.verdict !== 'pass'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await canary();
    }
    expect(v).toMatchObject({ verdict: 'pass', score: 100 });

    await send(
      trafficLines({
        service: 'cart',
        subset: 'v2',
        requests: 1500,
        errorRate: 0.1,
        startMs: start + 15_000,
        spacingMs: 10,
        seed: 3,
      }),
    );
    v = await canary();
    for (let i = 0; i < 50 && v.verdict !== 'fail'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      v = await canary();
    }
    expect(v.verdict).toBe('fail');
    expect(v.metrics.find((m) => m.name === 'error_rate')?.result).toBe('fail');
    // How fast the verdict turns is measured in bench/signals.bench.ts, not asserted here.
  });

  it('answers Flagger 412 with the evidence, and 400 without a name', async () => {
    const res = await fetch(`${meshlog.adminUrl}/v1/flagger/gate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'cart',
        namespace: 'shop',
        phase: 'Progressing',
        metadata: { canary: 'v2', baseline: 'v1', window: '1m' },
      }),
    });
    expect(res.status).toBe(412);
    expect(await res.json()).toMatchObject({ verdict: 'fail', phase: 'Progressing', service: 'cart' });
    expect(
      (
        await fetch(`${meshlog.adminUrl}/v1/flagger/gate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(400);
  });

  it('serves breakers, recommendations as YAML, and the route series on /metrics', async () => {
    const breakers = (await (await fetch(`${meshlog.adminUrl}/v1/breakers`)).json()) as {
      policy: string;
      breakers: Array<{ service: string }>;
    };
    expect(breakers.policy).toBe('hystrix');
    expect(breakers.breakers.length).toBeGreaterThan(0);
    expect(breakers.breakers.every((b) => b.service === 'cart')).toBe(true);
    const yamlRes = await fetch(`${meshlog.adminUrl}/v1/recommendations`);
    expect(yamlRes.headers.get('content-type')).toContain('application/yaml');
    const docs = parseAllDocuments(await yamlRes.text());
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const metrics = await (await fetch(`${meshlog.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /meshlog_route_requests_total\{namespace="shop",service="cart",route="\/items",subset="v2"\} 3000/,
    );
    expect(metrics).toMatch(/meshlog_canary_verdict\{namespace="shop",service="cart",canary="v2",baseline="v1"\} -1/);
    expect(metrics).toContain('meshlog_breaker_state{');
  });

  it('refuses a canary query with a missing parameter or an unknown window', async () => {
    expect((await fetch(`${meshlog.adminUrl}/v1/canary?service=cart`)).status).toBe(400);
    const r = await fetch(`${meshlog.adminUrl}/v1/canary?service=cart&canary=v2&baseline=v1&window=7m`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { message: string }).message).toContain('window must be one of 1m, 5m');
  });
});
