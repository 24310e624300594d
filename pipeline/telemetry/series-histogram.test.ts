import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from './series-histogram.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const labelSets = fc.constantFrom(
  { namespace: 'shop', service: 'cart', route: '/items/{id}', subset: 'v1' },
  { namespace: 'shop', service: 'cart', route: '/items/{id}', subset: 'v2' },
  { namespace: '', service: 'pay "x"\\y', route: '/pay\nnow', subset: '' },
);
const values = fc.oneof(fc.constantFrom(...BUCKETS, 0, -1, 1e9), fc.double({ min: -1, max: 20, noNaN: true }));

describe('SeriesHistogram', () => {
  it("prints on /metrics exactly what prom-client's Histogram prints for the same observations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(labelSets, values), { maxLength: 60 }), async (observations) => {
        const theirs = new Registry();
        const ours = new Registry();
        const reference = new Histogram({
          name: 'meshlog_route_latency_seconds',
          help: 'Request latency per route.',
          labelNames: ['namespace', 'service', 'route', 'subset'],
          buckets: BUCKETS,
          registers: [theirs],
        });
        const histogram = new SeriesHistogram({
          name: 'meshlog_route_latency_seconds',
          help: 'Request latency per route.',
          buckets: BUCKETS,
          registers: [ours],
        });
        for (const [labels, v] of observations) {
          reference.observe(labels, v);
          histogram.series(JSON.stringify(labels), labels).observe(v);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
    );
  });

  it('leaves out a value that is not a number, where prom-client would throw in the middle of a batch', async () => {
    const registry = new Registry();
    const histogram = new SeriesHistogram({ name: 'h', help: 'h', buckets: [1], registers: [registry] });
    const series = histogram.series('a', { route: 'a' });
    for (const v of [0.5, Number.NaN, Number.POSITIVE_INFINITY, 2]) series.observe(v);
    const text = await registry.metrics();
    expect(text).toContain('h_bucket{le="1",route="a"} 1\n');
    expect(text).toContain('h_bucket{le="+Inf",route="a"} 2\n');
    expect(text).toContain('h_sum{route="a"} 2.5\n');
    expect(text).toContain('h_count{route="a"} 2');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('h_count');
  });

  it('refuses buckets that are not ascending', () => {
    expect(() => new SeriesHistogram({ name: 'h', help: 'h', buckets: [1, 1], registers: [] })).toThrow(RangeError);
  });
});
