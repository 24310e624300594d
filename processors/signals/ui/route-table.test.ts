import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { trafficLines } from '../../../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../../parse/line-parser.ts';
import { windowsConfig } from '../windows/config.ts';
import { Windows } from '../windows/windows.ts';
import { RouteTable, type RowSpan } from './route-table.ts';

const routeRows = (w: Windows, span: RowSpan) => new RouteTable(w, span).rows();

const parser = new LineParser('auto');
const parse = (lines: string[]) => lines.map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record);
const T0 = Date.parse('2024-03-01T10:00:00.000Z');

function windowsOf(lines: string[]) {
  const w = new Windows(windowsConfig.parse({}), 300_000);
  for (const r of parse(lines)) w.observe(r);
  return w;
}

describe('routes table rows', () => {
  // 600 requests over 60 s: 5% mesh errors, 10% client aborts, ~20 ms
  const w = windowsOf([
    ...trafficLines({
      service: 'cart',
      subset: 'v1',
      requests: 600,
      errorRate: 0.05,
      abortRate: 0.1,
      startMs: T0,
      spacingMs: 100,
      seed: 1,
    }),
    ...trafficLines({
      service: 'cart',
      subset: 'v2',
      requests: 60,
      latencyMs: 200,
      startMs: T0 + 54_000,
      spacingMs: 100,
      seed: 2,
    }),
  ]);
  const end = T0 + 60_000;
  const rows = routeRows(w, { windowMs: 60_000, trendMs: 300_000, end, bucketMs: 10_000 });
  const v1 = rows.find((r) => r.subset === 'v1')!;
  const v2 = rows.find((r) => r.subset === 'v2')!;

  it('counts requests per second and errors per class; client aborts leave the error rate alone', () => {
    expect(rows).toHaveLength(2);
    expect(v1.requests).toBe(600);
    expect(v1.rps).toBe(10);
    const { app, mesh, client_abort, no_route, rate_limited } = v1.errors;
    expect({ app, no_route, rate_limited }).toEqual({ app: 0, no_route: 0, rate_limited: 0 });
    expect(mesh).toBeGreaterThan(15);
    expect(client_abort).toBeGreaterThan(40);
    expect(v1.errorRate).toBeCloseTo(mesh / (600 - client_abort), 6);
  });

  it('reads p50 < p90 < p99 from the sketch, about the latencies sent', () => {
    expect(v1.p50!).toBeGreaterThan(15);
    expect(v1.p50!).toBeLessThan(25);
    expect(v1.p50!).toBeLessThan(v1.p90!);
    expect(v1.p90!).toBeLessThanOrEqual(v1.p99!);
    expect(v2.p50!).toBeGreaterThan(150);
  });

  it('gives a trend per bucket over the longest window, oldest first', () => {
    expect(v1.trend.rps).toHaveLength(30);
    expect(v1.trend.rps.slice(0, 24)).toEqual(new Array(24).fill(0));
    expect(v1.trend.rps.slice(24)).toEqual(new Array(6).fill(10));
    expect(v2.trend.rps.slice(-1)).toEqual([6]);
    expect(v1.trend.errorRate.slice(24).every((x) => x > 0 && x < 0.2)).toBe(true);
  });

  it('leaves buckets before the window out of the numbers but in the trend', () => {
    const short = routeRows(w, { windowMs: 10_000, trendMs: 300_000, end, bucketMs: 10_000 });
    expect(short.find((r) => r.subset === 'v1')!.requests).toBe(100);
    expect(short.find((r) => r.subset === 'v1')!.trend.rps.slice(24)).toEqual(new Array(6).fill(10));
  });
});

describe('routes table pages', () => {
  const lines: string[] = [];
  for (let i = 0; i < 250; i++)
    lines.push(
      ...trafficLines({
        service: `s${i % 7}`,
        subset: 'v1',
        route: `/r${i}`,
        requests: 1 + (i % 5),
        latencyMs: 10 + i,
        startMs: T0,
        seed: i,
      }),
    );
  const w = windowsOf(lines);
  const table = new RouteTable(w, { windowMs: 60_000, trendMs: 60_000, end: T0 + 60_000, bucketMs: 10_000 });

  it('sorts on the server, pages, and reports the total', () => {
    const p = table.page({ sort: 'p99', order: 'desc', offset: 0, limit: 100 });
    expect(p.total).toBe(250);
    expect(p.rows).toHaveLength(100);
    const p99 = p.rows.map((r) => r.p99!);
    expect(p99).toEqual([...p99].sort((a, b) => b - a));
    const last = table.page({ sort: 'p99', order: 'desc', offset: 200, limit: 100 });
    expect(last.rows).toHaveLength(50);
    expect(last.rows[0].p99!).toBeLessThanOrEqual(p99.at(-1)!);
  });

  it('sorts text columns and keeps ties in route order, so pages do not shuffle between refreshes', () => {
    const p = table.page({ sort: 'requests', order: 'asc', offset: 0, limit: 250 });
    expect(p.rows[0].requests).toBe(1);
    const ones = p.rows.filter((r) => r.requests === 1).map((r) => `${r.service}/${r.route}`);
    expect(ones).toEqual([...ones].sort());
    const byService = table.page({ sort: 'service', order: 'asc', offset: 0, limit: 1 });
    expect(byService.rows[0].service).toBe('s0');
  });

  it('filters on namespace/service/route/subset, case-insensitively', () => {
    const p = table.page({ sort: 'rps', order: 'desc', filter: 'S3/', offset: 0, limit: 100 });
    expect(p.total).toBe(36);
    expect(p.rows.every((r) => r.service === 's3')).toBe(true);
    expect(table.page({ sort: 'rps', order: 'desc', filter: '/r249/', offset: 0, limit: 100 }).total).toBe(1);
  });

  it('puts routes without latency last in either order', () => {
    const [r] = parse(trafficLines({ service: 's0', subset: 'v1', route: '/none', requests: 1, startMs: T0, seed: 1 }));
    w.observe({ ...r, 'event.duration': null });
    const t = new RouteTable(w, { windowMs: 60_000, trendMs: 60_000, end: T0 + 60_000, bucketMs: 10_000 });
    for (const order of ['asc', 'desc'] as const) {
      const last = t.page({ sort: 'p50', order, offset: 0, limit: 300 }).rows.at(-1)!;
      expect(last).toMatchObject({ route: '/none', p50: null, p99: null, requests: 1 });
    }
  });
});
