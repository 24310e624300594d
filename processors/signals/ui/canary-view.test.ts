import { describe, expect, it } from 'vitest';
import { signalsConfig } from '../config.ts';
import { SignalsEngine } from '../engine.ts';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { trafficLines } from '../../../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../../parse/line-parser.ts';
import { canaryViewData, PERCENTILES } from './canary-view.ts';
import { canaryReportHtml } from './report.ts';

const parser = new LineParser('auto');
const parse = (lines: string[]) => lines.map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record);
const T0 = Date.parse('2024-03-01T10:00:00.000Z');

function hubWith(lines: string[]) {
  const hub = new SignalsEngine(signalsConfig.parse({}));
  hub.observe(parse(lines).sort((a, b) => Date.parse(a['@timestamp']) - Date.parse(b['@timestamp'])));
  return hub;
}

describe('canary view data', () => {
  const base = { service: 'cart', requests: 1200, startMs: T0, spacingMs: 50 };
  const hub = hubWith([
    ...trafficLines({ ...base, subset: 'v1', errorRate: 0.01, latencyMs: 20, seed: 1 }),
    // the canary starts failing half-way through its minute
    ...trafficLines({ ...base, subset: 'v2', requests: 600, errorRate: 0.01, latencyMs: 40, seed: 2 }),
    ...trafficLines({
      ...base,
      subset: 'v2',
      requests: 600,
      errorRate: 0.3,
      latencyMs: 40,
      startMs: T0 + 30_000,
      seed: 3,
    }),
  ]);
  const answer = hub.canary({ namespace: 'shop', service: 'cart', canary: 'v2', baseline: 'v1', window: '1m' });
  const data = canaryViewData(hub, answer);

  it('carries the answer and the thresholds it was judged against', () => {
    expect(data.answer.verdict).toBe('fail');
    expect(data.thresholds).toMatchObject({
      alpha: 0.05,
      minRequests: 50,
      minErrorRateIncrease: 0.01,
      minLatencyRatio: 1.1,
    });
    expect(data.matchedBy).toEqual({ canary: 'subset', baseline: 'subset' });
  });

  it('shows when the canary went bad: its error rate per bucket rises half-way, the baseline stays low', () => {
    // the window [newest − 1m, newest] starts 49 ms before T0: its first bucket, as the judge reads it, is empty
    expect(data.series.t).toHaveLength(7);
    expect(data.series.t[1]).toBe(T0 / 1000);
    expect(data.series.canary.errorRate[0]).toBeNull();
    const c = data.series.canary.errorRate.slice(1) as number[];
    expect(Math.max(...c.slice(0, 3))).toBeLessThan(0.06);
    expect(Math.min(...c.slice(3))).toBeGreaterThan(0.15);
    expect(Math.max(...(data.series.baseline.errorRate.slice(1) as number[]))).toBeLessThan(0.06);
    expect(data.series.canary.requests.reduce((a, b) => a + b)).toBe(1200);
  });

  it('draws both latency distributions from the sketches: the canary about twice the baseline', () => {
    expect(data.latency.percentiles).toEqual(PERCENTILES);
    const c = data.latency.canary as number[];
    const b = data.latency.baseline as number[];
    expect(c).toHaveLength(PERCENTILES.length);
    expect(c.every((x, i) => i === 0 || x >= c[i - 1])).toBe(true);
    const p50 = PERCENTILES.indexOf(50);
    expect(c[p50] / b[p50]).toBeGreaterThan(1.8);
    expect(c[p50] / b[p50]).toBeLessThan(2.2);
  });

  it('finds a Flagger-style side by service name, and says when a side has no traffic', () => {
    const flagger = hubWith([
      ...trafficLines({ ...base, service: 'cart-primary', subset: '', seed: 4 }),
      ...trafficLines({ ...base, service: 'cart-canary', subset: '', seed: 5 }),
    ]);
    const a = flagger.canary({ service: 'cart', canary: 'cart-canary', baseline: 'cart-primary', window: '1m' });
    const d = canaryViewData(flagger, a);
    expect(d.matchedBy).toEqual({ canary: 'service', baseline: 'service' });
    expect(d.series.canary.requests.reduce((x, y) => x + y)).toBe(1200);
    const none = canaryViewData(
      flagger,
      flagger.canary({ service: 'cart', canary: 'v9', baseline: 'cart-primary', window: '1m' }),
    );
    expect(none.matchedBy.canary).toBe('none');
    expect(none.latency.canary.every((x) => x === null)).toBe(true);
  });
});

describe('canary report file', () => {
  it('is one HTML file with every script, style and the data inline, and nothing to fetch', () => {
    const hub = hubWith(trafficLines({ service: 'cart', subset: 'v1', requests: 100, startMs: T0, seed: 1 }));
    const answer = hub.canary({ service: 'cart', canary: 'v2</script><b>', baseline: 'v1', window: '1m' });
    const html = canaryReportHtml(canaryViewData(hub, answer));
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
    expect(html).toContain('uPlot');
    expect(html).toContain('"verdict":"inconclusive"');
    // a name from traffic cannot end the data's script element
    expect(html).not.toContain('v2</script><b>');
    expect(html.match(/<script>/g)!.length).toBe(html.match(/<\/script>/g)!.length);
  });
});
