import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../pipeline/workers/pool.ts';
import { PARSE_WORKER } from '../processors/parse/decode-in-pool.ts';
import { unpackResult, type ParseResult, type ParseTask } from '../processors/parse/task.ts';
import { pinned } from '../test/support/cache.ts';
import { otelcolExe } from './peers/otelcol.ts';
import { SPANS_PER_REQUEST, spansRequest } from './peers/inputs.ts';
import { measure, type Bench, type Row } from './harness.ts';

const SPANS = SPANS_PER_REQUEST;

/** Posts the payload with `concurrency` requests in flight for `ms`; returns spans/s answered 2xx. */
async function load(
  url: string,
  body: Uint8Array,
  ms: number,
  concurrency = 8,
): Promise<{ spansPerSec: number; errors: number }> {
  let ok = 0;
  let errors = 0;
  const end = Date.now() + ms;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        }).catch(() => undefined);
        if (res?.ok) ok++;
        else errors++;
        await res?.arrayBuffer();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { spansPerSec: (ok * SPANS) / seconds, errors };
}

async function waitPort(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(url, { method: 'POST' }).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function startProcess(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: 'ignore' });
}

/**
 * Spans/s for OTLP protobuf decode + normalise in meshlog's worker pool (per core), and the
 * same payload over HTTP into a `meshlog run` process and into the OpenTelemetry Collector
 * (nop exporter), one after the other in one run, with the same load generator.
 */
const bench: Bench = {
  name: 'otlp-spans',
  description: `OTLP spans, ${SPANS} spans × 20 attributes per request`,
  async run() {
    const body = spansRequest(0);
    const rows: Row[] = [];
    const pool = new WorkerPool({});
    const r = await measure(4000, async () => {
      const tasks = Array.from({ length: pool.threads * 2 }, () => {
        const data = new Uint8Array(body);
        const task: ParseTask = {
          chunks: [{ encoding: 'otlp-traces-proto', data, receiver: 'bench' }],
          format: 'auto',
          maxLineBytes: 65536,
        };
        return pool.run<ParseResult>(PARSE_WORKER, task, [data.buffer as ArrayBuffer]).then(unpackResult);
      });
      const results = await Promise.all(tasks);
      return results.reduce((n, x) => n + (x.spans?.length ?? 0), 0);
    });
    const threads = pool.threads;
    await pool.close();
    rows.push({
      what: `meshlog decode + normalise (worker pool, ${threads} thread(s))`,
      'spans/s': Math.round(r.opsPerSec),
      'spans/s/core': Math.round(r.opsPerSec / threads),
      errors: 0,
    });

    const dir = mkdtempSync(join(tmpdir(), 'meshlog-bench-'));
    writeFileSync(
      join(dir, 'c.yaml'),
      `receivers:\n  otlp: { grpc: { endpoint: null }, http: { endpoint: 127.0.0.1:44318 } }\nexporters:\n  blackhole: {}\nservice:\n  admin: { endpoint: 127.0.0.1:48686 }\n  logLevel: warn\n  deadLetter: { path: ${dir}/dead.ndjson }\n  pipelines:\n    traces: { receivers: [otlp], exporters: [blackhole] }\n`,
    );
    const meshlog = startProcess(process.execPath, [
      fileURLToPath(new URL('../pipeline/cli/bin.mjs', import.meta.url)),
      'run',
      '--config',
      join(dir, 'c.yaml'),
    ]);
    try {
      await waitPort('http://127.0.0.1:44318/v1/traces');
      await load('http://127.0.0.1:44318/v1/traces', body, 1000);
      const m = await load('http://127.0.0.1:44318/v1/traces', body, 8000);
      rows.push({
        what: 'meshlog run, OTLP/HTTP → blackhole',
        'spans/s': Math.round(m.spansPerSec),
        'spans/s/core': '(2 cores shared with the load generator)',
        errors: m.errors,
      });
    } finally {
      meshlog.kill('SIGTERM');
    }

    const otelcol = otelcolExe();
    if (!otelcol) {
      rows.push({
        what: 'OpenTelemetry Collector: not built (npm run services:up -- otelcol)',
        'spans/s': 0,
        'spans/s/core': 0,
        errors: 0,
      });
      return rows;
    }
    const col = startProcess(otelcol, ['--config', fileURLToPath(new URL('./otelcol-nop.yaml', import.meta.url))]);
    try {
      await waitPort('http://127.0.0.1:44418/v1/traces');
      await load('http://127.0.0.1:44418/v1/traces', body, 1000);
      const c = await load('http://127.0.0.1:44418/v1/traces', body, 8000);
      rows.push({
        what: `OpenTelemetry Collector ${pinned('OTELCOL_BUILDER_VERSION')}, OTLP/HTTP → nop`,
        'spans/s': Math.round(c.spansPerSec),
        'spans/s/core': '(2 cores shared with the load generator)',
        errors: c.errors,
      });
    } finally {
      col.kill('SIGTERM');
    }
    return rows;
  },
};
export default bench;
