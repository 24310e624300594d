import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signalsConfig } from '../processors/signals/config.ts';
import { SignalsEngine } from '../processors/signals/engine.ts';
import type { AccessRecord } from '../pipeline/records.ts';
import { trafficLines } from '../pipeline/testing/mesh-traffic.ts';
import { LineParser } from '../processors/parse/line-parser.ts';
import { measure, type Bench, type Row } from './harness.ts';

const ADMIN = 'http://127.0.0.1:48687';
const LINES = 'http://127.0.0.1:48088/v1/lines';
const TRIALS = 20;
const BACKGROUND_RPS = 5000;

const post = (lines: string[]) => fetch(LINES, { method: 'POST', body: lines.join('\n') }).then((r) => r.status);
const verdict = async (svc: string) =>
  (
    (await (
      await fetch(`${ADMIN}/v1/canary?namespace=shop&service=${svc}&canary=v2&baseline=v1&window=1m`)
    ).json()) as { verdict: string }
  ).verdict;
const pct = (xs: number[], q: number) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/**
 * Signal latency: a running `meshlog run` (http_lines → parse → signals) under a steady 5k
 * records/s of background traffic; each trial warms a fresh service's canary and baseline at 1%
 * errors, then sends a 10% error spike and polls /v1/canary every 5 ms until it says fail. The
 * clock starts before the spike is sent. Also: the in-process cost of a window update.
 */
const bench: Bench = {
  name: 'signals',
  description: `signal latency over ${TRIALS} trials at ${BACKGROUND_RPS} records/s background, and window update cost`,
  async run() {
    const rows: Row[] = [];
    const parser = new LineParser('auto');
    const records = trafficLines({
      service: 'cart',
      subset: 'v1',
      requests: 20_000,
      errorRate: 0.02,
      startMs: Date.parse('2024-01-01T00:00:00Z'),
      spacingMs: 1,
    }).map((l) => (parser.parse(l) as { ok: true; record: AccessRecord }).record);
    const hub = new SignalsEngine(signalsConfig.parse({}));
    let i = 0;
    const r = await measure(3000, () => {
      hub.observe(records.slice(i % 19_000, (i % 19_000) + 1000));
      i += 1000;
      return 1000;
    });
    rows.push({
      measure: 'window + breaker + load update (in-process)',
      value: Math.round(r.opsPerSec),
      unit: 'records/s per core',
    });

    const dir = mkdtempSync(join(tmpdir(), 'meshlog-bench-'));
    writeFileSync(
      join(dir, 'c.yaml'),
      `receivers:\n  http_lines: { endpoint: 127.0.0.1:48088 }\nprocessors:\n  parse: {}\n  signals: {}\nexporters:\n  blackhole: {}\nservice:\n  admin: { endpoint: 127.0.0.1:48687 }\n  logLevel: warn\n  deadLetter: { path: ${dir}/dead.ndjson }\n  pipelines:\n    s: { receivers: [http_lines], processors: [parse, signals], exporters: [blackhole] }\n`,
    );
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('../pipeline/cli/bin.mjs', import.meta.url)), 'run', '--config', join(dir, 'c.yaml')],
      { stdio: 'ignore' },
    );
    try {
      for (
        let k = 0;
        k < 100 &&
        !(await fetch(`${ADMIN}/readyz`).then(
          (x) => x.ok,
          () => false,
        ));
        k++
      )
        await new Promise((res) => setTimeout(res, 100));
      let running = true;
      let sent = 0;
      const background = (async () => {
        const perTick = BACKGROUND_RPS / 20; // every 50 ms
        for (let tick = 0; running; tick++) {
          const t0 = Date.now();
          await post(
            trafficLines({
              service: 'background',
              subset: 'v1',
              requests: perTick,
              startMs: Date.now() - 1000,
              spacingMs: 0,
              seed: tick,
            }),
          );
          sent += perTick;
          await new Promise((res) => setTimeout(res, Math.max(0, 50 - (Date.now() - t0))));
        }
      })();
      const started = Date.now();
      const latencies: number[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        const svc = `svc${trial}`;
        const start = Date.now() - 40_000;
        await post([
          ...trafficLines({
            service: svc,
            subset: 'v1',
            requests: 1000,
            errorRate: 0.01,
            startMs: start,
            spacingMs: 20,
            seed: trial * 3 + 1,
          }),
          ...trafficLines({
            service: svc,
            subset: 'v2',
            requests: 1000,
            errorRate: 0.01,
            startMs: start,
            spacingMs: 20,
            seed: trial * 3 + 2,
          }),
        ]);
        while ((await verdict(svc)) !== 'pass') await new Promise((res) => setTimeout(res, 5));
        const t0 = performance.now();
        await post(
          trafficLines({
            service: svc,
            subset: 'v2',
            requests: 800,
            errorRate: 0.1,
            startMs: Date.now() - 20_000,
            spacingMs: 20,
            seed: trial * 3 + 3,
          }),
        );
        while ((await verdict(svc)) !== 'fail') await new Promise((res) => setTimeout(res, 5));
        latencies.push(performance.now() - t0);
      }
      running = false;
      await background;
      const bgRate = sent / ((Date.now() - started) / 1000);
      rows.push({
        measure: 'signal latency p50 (spike sent → /v1/canary fail)',
        value: Math.round(pct(latencies, 0.5)),
        unit: 'ms',
      });
      rows.push({ measure: 'signal latency p99', value: Math.round(pct(latencies, 0.99)), unit: 'ms' });
      rows.push({ measure: 'background load achieved', value: Math.round(bgRate), unit: 'records/s' });
    } finally {
      child.kill('SIGTERM');
    }
    return rows;
  },
};
export default bench;
