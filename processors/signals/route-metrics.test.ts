import { describe, expect, it } from 'vitest';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { Metrics } from '../../pipeline/telemetry/metrics.ts';
import { parsedInTimeOrder } from './testdata/parsed.ts';
import { signalsConfig } from './config.ts';
import { SignalsEngine } from './engine.ts';

const T0 = Date.parse('2024-03-01T10:00:00.000Z');

describe('route metrics on /metrics', () => {
  it('count every request and error per route and subset, over batches, as the records say', async () => {
    const metrics = new Metrics();
    const engine = new SignalsEngine(signalsConfig.parse({}), metrics);
    const records = parsedInTimeOrder([
      ...trafficLines({ service: 'cart', subset: 'v1', requests: 300, startMs: T0, seed: 1 }),
      ...trafficLines({ service: 'cart', subset: 'v2', requests: 200, errorRate: 0.3, startMs: T0, seed: 2 }),
      ...trafficLines({
        service: 'pay',
        subset: '',
        route: '/pay',
        requests: 100,
        errorRate: 0.5,
        startMs: T0,
        seed: 3,
      }),
    ]);
    for (let i = 0; i < records.length; i += 64) engine.observe(records.slice(i, i + 64));

    const text = await metrics.registry.metrics();
    const sample = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels.replace(/[/]/g, '\\/')}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    const expected = (service: string, subset: string) => {
      const of = records.filter(
        (r) => r['mesh.destination.service'] === service && (r['mesh.destination.subset'] ?? '') === subset,
      );
      return { all: of.length, failed: of.filter((r) => r['mesh.error_class'] === 'mesh').length };
    };
    for (const [service, subset, route] of [
      ['cart', 'v1', '/items'],
      ['cart', 'v2', '/items'],
      ['pay', '', '/pay'],
    ]) {
      const labels = `namespace="shop",service="${service}",route="${route}",subset="${subset}"`;
      const { all, failed } = expected(service, subset);
      expect(sample('meshlog_route_requests_total', labels)).toBe(all);
      expect(sample('meshlog_route_latency_seconds_count', labels)).toBe(all);
      if (failed) expect(sample('meshlog_route_errors_total', `${labels},class="mesh"`)).toBe(failed);
      else expect(text).not.toContain(`meshlog_route_errors_total{${labels}`);
    }
    expect(expected('cart', 'v2').failed).toBeGreaterThan(0);
    expect(expected('cart', 'v1').all).toBe(300);
  });
});
