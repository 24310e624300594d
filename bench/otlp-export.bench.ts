import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createBatch } from '../pipeline/batch.ts';
import { protoType } from '../pipeline/proto/load.ts';
import type { RequestDoc, SpanRecord } from '../pipeline/records.ts';
import { testContext } from '../pipeline/testing/context.ts';
import { otlpExporterConfig } from '../exporters/otlp/config.ts';
import { OtlpExporter } from '../exporters/otlp/exporter.ts';
import type { Bench, Row } from './harness.ts';

const pct = (xs: number[], q: number) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** An OTLP/HTTP sink that counts spans and notes when each span id arrived. */
function sink(port: number) {
  const arrivals = new Map<string, number>();
  let spans = 0;
  const type = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const now = performance.now();
      const msg = type.toObject(type.decode(body), { bytes: String }) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }>;
      };
      for (const rs of msg.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) {
            spans++;
            arrivals.set(Buffer.from(s.spanId, 'base64').toString('hex'), now);
          }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  return {
    arrivals,
    count: () => spans,
    listen: () => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())),
    close: () => server.close(),
  };
}

function doc(i: number): RequestDoc {
  const start = 1717200000000000000n + BigInt(i) * 1000n;
  const spans: SpanRecord[] = Array.from({ length: 4 }, (_, k) => ({
    '@timestamp': '2024-06-01T00:00:00.000Z',
    'event.dataset': 'mesh.span',
    'trace.id': (i + 1).toString(16).padStart(32, '0'),
    'span.id': (i * 4 + k + 1).toString(16).padStart(16, '0'),
    'parent.id': null,
    'span.name': `hop-${k}`,
    'span.kind': k % 2 ? 'server' : 'client',
    'span.start_ns': String(start),
    'span.end_ns': String(start + 5_000_000n),
    'event.duration': 5_000_000,
    'span.status': 'unset',
    'service.name': `svc-${k}`,
    attributes: {
      'guid:x-request-id': `r${i}`,
      'http.status_code': '200',
      upstream_cluster: 'outbound|80||svc.ns.svc.cluster.local',
      component: 'proxy',
    },
  }));
  return {
    '@timestamp': '2024-06-01T00:00:00.000Z',
    'event.dataset': 'meshlog.request',
    'http.request.id': `r${i}`,
    'trace.id': spans[0]['trace.id'],
    spans,
    'mesh.hops': spans.map((s, k) => ({
      index: k,
      parent: k ? k - 1 : null,
      '@timestamp': s['@timestamp'],
      service: 'svc',
      direction: k % 2 ? 'inbound' : 'outbound',
      route: '/r',
      status: 200,
      flags: [],
      'event.duration': 5_000_000,
      error_class: 'ok',
      cluster: 'c',
      span_id: s['span.id'],
    })),
    'http.response.status_code': 200,
    'mesh.error_class': 'ok',
    'event.duration': 5_000_000,
    'meshlog.join.state': 'complete',
    'labels.tenant': 'acme',
  } as RequestDoc;
}

/**
 * Spans/s through enrichment and export (OTLP/HTTP, gzip, to a local sink that only counts),
 * and the latency pass-through adds: spans sent to `meshlog run` (otlp → join → otlp) without
 * access logs, timed until the sink has them, at the default idle (5 s) and at 200 ms.
 */
const bench: Bench = {
  name: 'otlp-export',
  description: 'OTLP span export: throughput through enrichment, and pass-through latency',
  async run() {
    const rows: Row[] = [];
    const s = sink(45318);
    await s.listen();
    const exporter = new OtlpExporter(
      otlpExporterConfig.parse({
        endpoint: 'http://127.0.0.1:45318',
        protocol: 'http',
        flushMs: 20,
        rememberSpans: 1_000_000,
      }),
      testContext('otlp'),
    );
    const N = 40_000; // requests, 4 spans each
    const docs = Array.from({ length: N }, (_, i) => doc(i));
    const t0 = performance.now();
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < N; i += 250) {
      const b = createBatch<unknown>(docs.slice(i, i + 250));
      await exporter.consume(b);
      acks.push(b.ack.settled);
    }
    await Promise.all(acks);
    const rate = s.count() / ((performance.now() - t0) / 1000);
    await exporter.shutdown();
    rows.push({ measure: 'enrich + encode + export (main thread)', value: Math.round(rate), unit: 'spans/s per core' });

    for (const idleMs of [5000, 200]) {
      const dir = mkdtempSync(join(tmpdir(), 'meshlog-bench-'));
      writeFileSync(
        join(dir, 'c.yaml'),
        `receivers:\n  otlp: { grpc: { endpoint: null }, http: { endpoint: 127.0.0.1:45418 } }\nprocessors:\n  join: { idleMs: ${idleMs}, tickMs: 50, allowedSkewMs: 0 }\nexporters:\n  otlp: { endpoint: "http://127.0.0.1:45318", protocol: http, flushMs: 20 }\nservice:\n  admin: { endpoint: 127.0.0.1:48688 }\n  logLevel: warn\n  deadLetter: { path: ${dir}/dead.ndjson }\n  pipelines:\n    t: { receivers: [otlp], processors: [join], exporters: [otlp] }\n`,
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
          !(await fetch('http://127.0.0.1:48688/readyz').then(
            (x) => x.ok,
            () => false,
          ));
          k++
        )
          await new Promise((r) => setTimeout(r, 100));
        const sent = new Map<string, number>();
        const base = 9_000_000 + idleMs;
        const total = 400;
        for (let i = 0; i < total; i++) {
          const id = (base + i).toString(16).padStart(16, '0');
          const now = String(BigInt(Date.now()) * 1_000_000n);
          const body = {
            resourceSpans: [
              {
                resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pt' } }] },
                scopeSpans: [
                  {
                    spans: [
                      {
                        traceId: id.padStart(32, '0'),
                        spanId: id,
                        name: 'x',
                        kind: 2,
                        startTimeUnixNano: now,
                        endTimeUnixNano: now,
                        attributes: [{ key: 'guid:x-request-id', value: { stringValue: `pt-${id}` } }],
                      },
                    ],
                  },
                ],
              },
            ],
          };
          sent.set(id, performance.now());
          await fetch('http://127.0.0.1:45418/v1/traces', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          await new Promise((r) => setTimeout(r, 10));
        }
        const deadline = Date.now() + idleMs + 10_000;
        while ([...sent.keys()].some((id) => !s.arrivals.has(id)) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        const lat = [...sent].filter(([id]) => s.arrivals.has(id)).map(([id, t]) => s.arrivals.get(id)! - t);
        rows.push({
          measure: `pass-through added latency p50, idle ${idleMs} ms`,
          value: Math.round(pct(lat, 0.5)),
          unit: 'ms',
        });
        rows.push({
          measure: `pass-through added latency p99, idle ${idleMs} ms`,
          value: Math.round(pct(lat, 0.99)),
          unit: `ms (${lat.length}/${total} spans arrived)`,
        });
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    s.close();
    return rows;
  },
};
export default bench;
