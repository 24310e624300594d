import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import type { SpanRecord } from '../../pipeline/records.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { otlpExporterConfig } from '../../exporters/otlp/config.ts';
import { OtlpExporter } from '../../exporters/otlp/exporter.ts';
import { syntheticTraceId } from '../../processors/join/synthesize.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';
import { CHAOS, jaegerChaos, tag, waitForTrace, type JaegerTrace } from '../support/jaeger.ts';

const BOOKINFO = readFileSync(new URL('./testdata/otlp-trace-kiali-bookinfo-tempo.json', import.meta.url));
const HOPS = readFileSync(new URL('../../processors/join/testdata/bookinfo-hops.log', import.meta.url), 'utf8');

describe('meshlog → Jaeger v2 (OTLP gRPC), through the join', () => {
  const jaeger = inject('jaegerUrl');
  let meshlog: MeshlogProcess;
  beforeAll(async () => {
    meshlog = await startMeshlog(
      `
receivers:
  http_lines: { endpoint: 127.0.0.1:39088 }
  otlp: { grpc: { endpoint: null }, http: { endpoint: 127.0.0.1:39318 } }
processors:
  parse: { maxClockSkewMs: 0 } # the bookinfo logs are from 2023
  join: { idleMs: 300, tickMs: 100, allowedSkewMs: 0 }
exporters:
  otlp: { endpoint: "${process.env.MESHLOG_TEST_JAEGER_OTLP_GRPC ?? '127.0.0.1:14317'}", protocol: grpc, flushMs: 50 }
service:
  pipelines:
    traces: { receivers: [http_lines, otlp], processors: [parse, join], exporters: [otlp] }`,
      38689,
    );
  });
  afterAll(async () => {
    expect(await meshlog.stop()).toBe(0);
  });

  it('the bookinfo trace and its access logs arrive in Jaeger enriched, ids and timing unchanged', async () => {
    expect(
      (
        await fetch('http://127.0.0.1:39318/v1/traces', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: BOOKINFO,
        })
      ).status,
    ).toBe(200);
    expect((await fetch('http://127.0.0.1:39088/v1/lines', { method: 'POST', body: HOPS })).status).toBe(200);
    const trace = await waitForTrace(jaeger, '3ba55609c3cde49649cd77d1f9dcd936', 8);
    expect(trace?.spans).toHaveLength(8);
    for (const s of trace!.spans) {
      expect(tag(s, 'meshlog.request_id')).toBe('e4e8c177-3962-9359-945e-61e7175cd867');
      expect(tag(s, 'mesh.error_class')).toBe('ok');
      expect(tag(s, 'envoy.response_flags')).toBe('-');
      expect(tag(s, 'guid:x-request-id')).toBe('e4e8c177-3962-9359-945e-61e7175cd867');
    }
    const byId = Object.fromEntries(trace!.spans.map((s) => [s.spanID, s]));
    expect(tag(byId['7c597bf56ddf1a03'], 'mesh.route')).toBe('/ratings/{id}');
    expect(tag(byId['49cd77d1f9dcd936'], 'mesh.route')).toBe('/productpage');
    expect(byId['84756b1dab0856fa'].references[0]).toMatchObject({ refType: 'CHILD_OF', spanID: '49cd77d1f9dcd936' });
  });

  it('a span whose request never gets access logs is forwarded after idle, with its request id', async () => {
    const traceId = `${Date.now().toString(16).padStart(16, '0')}00000000000000ab`;
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lonely' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: '00000000000000ab',
                  name: 'lonely',
                  kind: 2,
                  startTimeUnixNano: now,
                  endTimeUnixNano: now,
                  attributes: [{ key: 'guid:x-request-id', value: { stringValue: `lonely-${traceId}` } }],
                },
              ],
            },
          ],
        },
      ],
    };
    expect(
      (
        await fetch('http://127.0.0.1:39318/v1/traces', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).status,
    ).toBe(200);
    const trace = await waitForTrace(jaeger, traceId, 1);
    expect(trace?.spans).toHaveLength(1);
    expect(tag(trace!.spans[0], 'meshlog.request_id')).toBe(`lonely-${traceId}`);
    expect(tag(trace!.spans[0], 'mesh.route')).toBeUndefined(); // no hop: nothing else to add
  });

  it('an unsampled failed request gets a synthetic trace, found by tag search on meshlog.request_id', async () => {
    const id = `synth-${Date.now()}`;
    const t = new Date().toISOString();
    const lines = [
      `[${t}] "POST /checkout HTTP/1.1" 503 - via_upstream - "-" 0 19 40 39 "-" "curl" "${id}" "checkout:80" "10.0.0.2:80" outbound|80||checkout.shop.svc.cluster.local 10.0.0.1:6000 10.96.0.5:80 10.0.0.1:5000 - -`,
      `[${t}] "POST /checkout HTTP/1.1" 503 UF upstream_reset_before_response_started{connection_failure} - "-" 0 19 38 - "-" "curl" "${id}" "checkout:80" "10.0.0.9:80" inbound|80|| 127.0.0.6:1 10.0.0.2:80 10.0.0.1:6000 - default`,
    ];
    expect((await fetch('http://127.0.0.1:39088/v1/lines', { method: 'POST', body: lines.join('\n') })).status).toBe(
      200,
    );
    const traceId = syntheticTraceId(id);
    const trace = await waitForTrace(jaeger, traceId, 2);
    expect(trace?.spans).toHaveLength(2);
    const now = Date.now() * 1000;
    const q = new URLSearchParams({
      service: 'checkout',
      tags: JSON.stringify({ 'meshlog.request_id': id }),
      start: String(now - 3_600_000_000),
      end: String(now + 60_000_000),
      limit: '20',
    });
    const found = (await (await fetch(`${jaeger}/api/traces?${q}`)).json()) as { data: JaegerTrace[] };
    expect(found.data.map((d) => d.traceID)).toEqual([traceId]);
    const spans = found.data[0].spans;
    expect(spans.every((s) => tag(s, 'meshlog.synthetic') === true)).toBe(true);
    expect(spans.map((s) => tag(s, 'mesh.error_class')).sort()).toEqual(['app', 'mesh']);
    const client = spans.find((s) => s.references.length === 0)!;
    expect(spans.find((s) => s !== client)!.references[0].spanID).toBe(client.spanID);
  });
});

describe('pass-through: spans that are never joined', () => {
  const jaeger = inject('jaegerUrl');
  it('without a request id are forwarded once and unchanged (over OTLP/HTTP)', async () => {
    const exporter = new OtlpExporter(
      otlpExporterConfig.parse({
        endpoint: process.env.MESHLOG_TEST_JAEGER_OTLP_HTTP ?? 'http://127.0.0.1:14318',
        protocol: 'http',
        flushMs: 20,
      }),
      testContext('otlp'),
    );
    const start = BigInt(Date.now()) * 1_000_000n;
    const span = (traceId: string, requestId: string | null): SpanRecord => ({
      '@timestamp': new Date().toISOString(),
      'event.dataset': 'mesh.span',
      'trace.id': traceId,
      'span.id': traceId.slice(0, 16),
      'parent.id': null,
      'span.name': 'lonely',
      'span.kind': 'server',
      'span.start_ns': String(start),
      'span.end_ns': String(start + 2_000_000n),
      'event.duration': 2_000_000,
      'span.status': 'unset',
      'service.name': 'passthrough-test',
      'http.request.id': requestId,
      attributes: { 'custom.tag': 'kept' },
    });
    const id = Date.now().toString(16).padStart(16, 'a');
    const b = createBatch([span(`${id}0000000000000001`, null), span(`${id}0000000000000001`, null)]); // the same span twice
    await exporter.consume(b);
    await b.ack.settled;
    await exporter.shutdown();
    const trace = await waitForTrace(jaeger, `${id}0000000000000001`, 1);
    expect(trace?.spans).toHaveLength(1);
    expect(tag(trace!.spans[0], 'custom.tag')).toBe('kept');
    expect(tag(trace!.spans[0], 'meshlog.request_id')).toBeUndefined();
  });
});

describe('OTLP exporter against a Jaeger that goes away', () => {
  beforeAll(async () => jaegerChaos('start'), 600_000);
  afterAll(async () => jaegerChaos('stop'));

  it('retries while Jaeger is down and loses nothing: every span is there after the restart', async () => {
    const ctx = testContext('otlp');
    const exporter = new OtlpExporter(
      otlpExporterConfig.parse({
        endpoint: CHAOS.otlpGrpc,
        flushMs: 20,
        maxSpansPerRequest: 100,
        retry: { initialMs: 100, maxMs: 1000 },
      }),
      ctx,
    );
    const run = Date.now().toString(16).padStart(16, '0');
    const traces = 60;
    const span = (t: number, k: number): SpanRecord => {
      const start = BigInt(Date.now()) * 1_000_000n;
      return {
        '@timestamp': new Date().toISOString(),
        'event.dataset': 'mesh.span',
        'trace.id': `${run}${t.toString(16).padStart(16, '0')}`,
        'span.id': `${(t * 100 + k + 1).toString(16).padStart(16, '0')}`,
        'parent.id': null,
        'span.name': `op-${k}`,
        'span.kind': 'server',
        'span.start_ns': String(start),
        'span.end_ns': String(start + 1_000_000n),
        'event.duration': 1_000_000,
        'span.status': 'unset',
        'service.name': 'chaos-test',
        attributes: { k },
      };
    };
    const acks: Promise<unknown>[] = [];
    for (let t = 0; t < traces; t++) {
      if (t === 20) await jaegerChaos('stop');
      const b = createBatch(Array.from({ length: 10 }, (_, k) => span(t, k)));
      await exporter.consume(b);
      acks.push(b.ack.settled);
      if (t >= 20 && t < 40) await new Promise((r) => setTimeout(r, 100));
    }
    await jaegerChaos('start');
    await Promise.all(acks);
    await exporter.shutdown();
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_retried_total')).toMatch(
      /reason="request"} [1-9]/,
    );
    for (let t = 0; t < traces; t++) {
      const trace = await waitForTrace(CHAOS.query, `${run}${t.toString(16).padStart(16, '0')}`, 10, 20_000);
      expect(trace?.spans.length, `trace ${t}`).toBe(10);
    }
  }, 300_000);
});
