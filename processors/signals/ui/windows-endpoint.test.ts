import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerSignalsApi } from '../api.ts';
import { signalsConfig } from '../config.ts';
import { SignalsEngine } from '../engine.ts';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { trafficLines } from '../../../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../../parse/line-parser.ts';
import { UPLOT_VERSION } from './assets.ts';

const parser = new LineParser('auto');
const T0 = Date.parse('2024-03-01T10:00:00.000Z');

async function server() {
  const hub = new SignalsEngine(signalsConfig.parse({}));
  const lines = [
    ...trafficLines({ service: 'cart', subset: 'v1', requests: 300, startMs: T0, spacingMs: 100, seed: 1 }),
    ...trafficLines({
      service: 'cart',
      subset: 'v2',
      requests: 300,
      errorRate: 0.2,
      startMs: T0,
      spacingMs: 100,
      seed: 2,
    }),
    ...trafficLines({
      service: 'orders',
      namespace: 'shop',
      subset: 'v1',
      route: '/o',
      requests: 10,
      startMs: T0,
      seed: 3,
    }),
  ];
  hub.observe(lines.map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record));
  const app = Fastify();
  registerSignalsApi(app, hub);
  await app.ready();
  return app;
}

describe('the page and its JSON on the admin server', () => {
  it('serves the page at / and every file it links, uPlot under its pinned version', async () => {
    const app = await server();
    const index = await app.inject({ url: '/' });
    expect(index.headers['content-type']).toContain('text/html');
    const links = [...index.body.matchAll(/(?:href|src)="(\/ui\/[^"]+)"/g)].map((m) => m[1]);
    expect(links).toContain(`/ui/vendor/uplot-${UPLOT_VERSION}.iife.min.js`);
    expect(links).toHaveLength(10);
    for (const l of links) {
      const r = await app.inject({ url: l });
      expect(r.statusCode, l).toBe(200);
      expect(r.body.length, l).toBeGreaterThan(100);
    }
    expect((await app.inject({ url: '/ui/nothing.js' })).statusCode).toBe(404);
  });

  it('GET /v1/windows pages, sorts and counts the routes, with facets on demand', async () => {
    const app = await server();
    const r = await app.inject({ url: '/v1/windows?sort=errorRate&limit=2&facets=1' });
    const body = r.json();
    expect(body).toMatchObject({ routes: 3, total: 3, offset: 0, limit: 2, sort: 'errorRate', order: 'desc' });
    expect(body.windows).toEqual(['1m', '5m']);
    expect(body.rows.map((x: { subset: string }) => x.subset)).toEqual(['v2', 'v1']);
    expect(body.rows[0].errorRate).toBeGreaterThan(0.1);
    expect(body.facets).toEqual([
      { namespace: 'shop', service: 'cart', subsets: ['v1', 'v2'] },
      { namespace: 'shop', service: 'orders', subsets: ['v1'] },
    ]);
  });

  it.each([
    ['window=7m', 'window must be one of 1m, 5m, got "7m"'],
    ['sort=colour', 'sort must be one of route, service'],
    ['order=up', 'order must be asc or desc, got "up"'],
    ['limit=501', 'limit must be a whole number from 1 to 500, got "501"'],
    ['offset=-1', 'offset must be a whole number ≥ 0, got "-1"'],
  ])('GET /v1/windows?%s is refused with the reason', async (query, message) => {
    const r = await (await server()).inject({ url: `/v1/windows?${query}` });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain(message);
  });

  it('GET /v1/windows/canary gives the verdict, its evidence and a link; refuses a missing side', async () => {
    const app = await server();
    const r = await app.inject({
      url: '/v1/windows/canary?service=cart&canary=v2&baseline=v1&window=1m',
      headers: { host: 'meshlog.example:8686' },
    });
    const body = r.json();
    expect(body.answer.verdict).toBe('fail');
    expect(body.answer.link).toBe('http://meshlog.example:8686/#/canary?service=cart&canary=v2&baseline=v1&window=1m');
    expect(body.latency.canary).toHaveLength(body.latency.percentiles.length);
    const missing = await app.inject({ url: '/v1/windows/canary?service=cart&canary=v2' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toBe('missing query parameter(s): baseline');
  });

  it('puts the live view link in /v1/canary (Argo Rollouts) and the Flagger gate answer', async () => {
    const app = await server();
    const argo = await app.inject({
      url: '/v1/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=5m',
      headers: { host: 'meshlog.meshlog:8686' },
    });
    expect(argo.json().link).toBe(
      'http://meshlog.meshlog:8686/#/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=5m',
    );
    const flagger = await app.inject({
      method: 'POST',
      url: '/v1/flagger/gate',
      headers: { host: 'meshlog.meshlog:8686' },
      payload: { name: 'cart', namespace: 'shop', metadata: { canary: 'v2', baseline: 'v1', window: '1m' } },
    });
    expect(flagger.statusCode).toBe(412);
    expect(flagger.json().link).toBe(
      'http://meshlog.meshlog:8686/#/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=1m',
    );
  });
});
