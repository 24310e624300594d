import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { trafficLines } from '../../../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../../parse/line-parser.ts';
import { windowsConfig } from './config.ts';
import { Windows } from './windows.ts';

const parser = new LineParser('auto');
const parse = (lines: string[]) => lines.map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record);
const T0 = Date.parse('2024-03-01T10:00:00.000Z');

function windowOf(records: AccessRecord[]) {
  const w = new Windows(windowsConfig.parse({ sampleSize: 64 }), 300_000);
  for (const r of records) w.observe(r);
  return w.query(() => true, 300_000, T0 + 300_000)[0].stats;
}

describe('route windows', () => {
  const a = parse(
    trafficLines({
      service: 'cart',
      subset: 'v1',
      requests: 400,
      errorRate: 0.05,
      abortRate: 0.02,
      startMs: T0,
      seed: 1,
    }),
  );
  const b = parse(
    trafficLines({
      service: 'cart',
      subset: 'v1',
      requests: 300,
      errorRate: 0.2,
      latencyMs: 80,
      startMs: T0 + 500,
      seed: 2,
    }),
  );

  it('merge(window(a), window(b)) equals window(a ∪ b): counts, sketch and sample', () => {
    const merged = windowOf(a).merge(windowOf(b));
    const union = windowOf([...b, ...a].sort(() => 0));
    expect(merged.counts).toEqual(union.counts);
    expect(merged.requests).toBe(700);
    for (const q of [0.5, 0.9, 0.99]) expect(merged.quantile(q)).toBe(union.quantile(q));
    expect(merged.sketch.count).toBe(union.sketch.count);
    expect(merged.sample.entries()).toEqual(union.sample.entries());
    expect(merged.sample.size).toBe(64);
  });

  it('keeps the DDSketch within 1% relative error', () => {
    const lat = a.map((r) => r['event.duration']! / 1e6).sort((x, y) => x - y);
    const w = windowOf(a);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = lat[Math.floor(q * (lat.length - 1))];
      expect(Math.abs(w.quantile(q)! - exact) / exact).toBeLessThanOrEqual(0.02); // 1% sketch + rank rounding
    }
  });

  it('counts each request once per edge: the reporter option picks the side', () => {
    // The server side saw only 100 of the 400 calls (the rest failed before reaching it), all as app errors.
    const inbound = a
      .slice(0, 100)
      .map((r) => ({ ...r, 'mesh.direction': 'inbound' as const, 'mesh.error_class': 'app' as const }));
    const count = (reporter: 'client' | 'server' | 'both') => {
      const w = new Windows(windowsConfig.parse({ reporter }), 300_000);
      for (const r of [...a, ...inbound]) w.observe(r);
      const { stats } = w.query(() => true, 300_000, T0 + 300_000)[0];
      return [stats.requests, stats.counts.app];
    };
    const clientApp = a.filter((r) => r['mesh.error_class'] === 'app').length;
    expect(count('client')).toEqual([400, clientApp]);
    expect(count('server')).toEqual([100, 100]);
    expect(count('both')).toEqual([500, clientApp + 100]);
  });

  it('drops buckets older than the longest window', () => {
    const w = new Windows(windowsConfig.parse({}), 60_000);
    for (const r of a) w.observe(r);
    const late = parse(trafficLines({ service: 'cart', subset: 'v1', requests: 1, startMs: T0 + 10 * 60_000 }));
    w.observe(late[0]);
    expect(w.query(() => true, 3_600_000, T0 + 11 * 60_000)[0].stats.requests).toBe(1);
  });
});
