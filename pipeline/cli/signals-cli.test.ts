import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { trafficLines } from '../testing/mesh-traffic.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const T0 = Date.parse('2024-03-01T10:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'meshlog-signals-'));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('offline signal commands', () => {
  const canaryLog = join(dir, 'canary.log');
  writeFileSync(
    canaryLog,
    [
      ...trafficLines({ service: 'cart', subset: 'v1', requests: 800, errorRate: 0.01, startMs: T0, seed: 1 }),
      ...trafficLines({ service: 'cart', subset: 'v2', requests: 800, errorRate: 0.1, startMs: T0, seed: 2 }),
    ].join('\n'),
  );
  // 30 good calls; 15 s later (out of the 10 s window) 25 failing ones; 7 s after those, good calls.
  const breakerLog = join(dir, 'breaker.log');
  writeFileSync(
    breakerLog,
    [
      ...trafficLines({ service: 'pay', subset: '', requests: 30, startMs: T0, spacingMs: 10, seed: 3 }),
      ...trafficLines({
        service: 'pay',
        subset: '',
        requests: 25,
        errorRate: 1,
        startMs: T0 + 15_000,
        spacingMs: 10,
        seed: 4,
      }),
      ...trafficLines({ service: 'pay', subset: '', requests: 5, startMs: T0 + 22_000, spacingMs: 10, seed: 5 }),
    ].join('\n'),
  );

  it('analyze prints the /v1/canary JSON', () => {
    const r = run(
      'analyze',
      '--logs',
      canaryLog,
      '--namespace',
      'shop',
      '--service',
      'cart',
      '--canary',
      'v2',
      '--baseline',
      'v1',
    );
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({
      verdict: 'fail',
      service: 'cart',
      canary: 'v2',
      baseline: 'v1',
      routes: ['/items'],
      window: { duration: '5m' },
    });
    expect(v.metrics[0]).toMatchObject({ name: 'error_rate', result: 'fail' });
  });

  it('breaker prints transitions as NDJSON: closed → open → half_open → closed', () => {
    const r = run('breaker', '--logs', breakerLog);
    expect(r.status).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual(['closed→open', 'open→half_open', 'half_open→closed']);
    expect(events[0].edge).toBe('10.0.0.1 → pay.shop /items');
  });

  it('recommend prints valid Istio YAML with a DestinationRule for the edge that tripped', () => {
    const r = run('recommend', '--logs', breakerLog);
    expect(r.status).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(
      (d) =>
        d.toJS() as {
          kind: string;
          apiVersion: string;
          spec: { host: string; trafficPolicy: { outlierDetection: { consecutive5xxErrors: number } } };
        },
    );
    const dr = docs.find((d) => d.kind === 'DestinationRule')!;
    expect(dr).toMatchObject({ apiVersion: 'networking.istio.io/v1', spec: { host: 'pay.shop.svc.cluster.local' } });
    expect(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(5);
    expect(r.stdout).toContain('# breaker on 10.0.0.1 → pay.shop /items opened');
  });
});
