import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../../pipeline/records.ts';
import { trafficLines, type TrafficSpec } from '../../../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../../parse/line-parser.ts';
import { windowsConfig } from '../windows/config.ts';
import { Windows } from '../windows/windows.ts';
import { canaryConfig } from './config.ts';
import { judge } from './judge.ts';

const parser = new LineParser('auto');
const T0 = Date.parse('2024-03-01T10:00:00.000Z');

function stats(spec: Omit<TrafficSpec, 'service' | 'startMs'>) {
  const w = new Windows(windowsConfig.parse({}), 300_000);
  for (const l of trafficLines({ service: 'cart', startMs: T0, ...spec }))
    w.observe((parser.parse(l) as { ok: true; record: AccessRecord }).record);
  return w.query(() => true, 300_000, T0 + 300_000)[0].stats;
}
const cfg = canaryConfig.parse({});

describe('canary judge', () => {
  it('passes a canary that behaves like its baseline, with score 100', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 1000, errorRate: 0.01, seed: 7 }),
      stats({ subset: 'v1', requests: 1000, errorRate: 0.01, seed: 8 }),
      cfg,
    );
    expect(v).toMatchObject({ verdict: 'pass', score: 100 });
    expect(v.metrics.map((m) => m.result)).toEqual(['pass', 'pass']);
  });

  it('fails a canary whose error rate went from 1% to 10%, with the evidence', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 1000, errorRate: 0.1, seed: 7 }),
      stats({ subset: 'v1', requests: 1000, errorRate: 0.01, seed: 8 }),
      cfg,
    );
    expect(v.verdict).toBe('fail');
    const er = v.metrics[0];
    expect(er).toMatchObject({ name: 'error_rate', result: 'fail', critical: true, test: 'fisher-exact, one-sided' });
    expect((er.canary as { rate: number }).rate).toBeGreaterThan(0.08);
    expect(er.pValue as number).toBeLessThan(1e-10);
  });

  it('fails a canary twice as slow, by Mann-Whitney, with the median ratio', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 600, latencyMs: 40, seed: 3 }),
      stats({ subset: 'v1', requests: 600, latencyMs: 20, seed: 4 }),
      cfg,
    );
    expect(v.verdict).toBe('fail');
    expect(v.metrics[1]).toMatchObject({ name: 'latency', result: 'fail', test: 'mann-whitney-u, one-sided (normal)' });
    expect((v.metrics[1].effect as { medianRatio: number }).medianRatio).toBeGreaterThan(1.7);
  });

  it('is inconclusive, never pass, with too little data', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 30, seed: 1 }),
      stats({ subset: 'v1', requests: 1000, seed: 2 }),
      cfg,
    );
    expect(v).toMatchObject({ verdict: 'inconclusive', score: 0 });
    expect(v.metrics.map((m) => m.result)).toEqual(['nodata', 'nodata']);
  });

  it('does not count client aborts against the canary', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 1000, abortRate: 0.2, seed: 5 }),
      stats({ subset: 'v1', requests: 1000, seed: 6 }),
      cfg,
    );
    expect(v.metrics[0].result).toBe('pass');
    expect((v.metrics[0].canary as { requests: number }).requests).toBeLessThan(850);
  });

  it('passes a tiny but significant increase below the minimum effect', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 20000, errorRate: 0.006, seed: 9, spacingMs: 1 }),
      stats({ subset: 'v1', requests: 20000, errorRate: 0.002, seed: 10, spacingMs: 1 }),
      cfg,
    );
    expect(v.metrics[0].result).toBe('pass');
    expect(v.metrics[0].reason).toContain('below the 0.01 minimum increase');
  });
});

describe('evidence in JSON', () => {
  it('keeps a tiny p-value significant instead of printing 0', () => {
    const v = judge(
      stats({ subset: 'v2', requests: 2000, errorRate: 0.3, seed: 11 }),
      stats({ subset: 'v1', requests: 2000, errorRate: 0, seed: 12 }),
      cfg,
    );
    const p = (JSON.parse(JSON.stringify(v)) as typeof v).metrics.find((m) => m.name === 'error_rate')!.pValue!;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-20);
  });
});
