import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as HttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../pipeline/records.ts';
import { startedOtlpReceiver } from './testdata/started-receiver.ts';

const GRPC = '127.0.0.1:44193';
const HTTP = 'http://127.0.0.1:44194';
const LINE =
  '[2024-05-01T10:00:00.123Z] "GET /reviews/7 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 0 - "-" "curl/8" "req-otel-1" "reviews:9080" "-" outbound|9080|v2|reviews.default.svc.cluster.local - 10.96.1.1:9080 10.244.0.5:40000 - default';

const { sink } = startedOtlpReceiver<AccessRecord>({
  grpc: { endpoint: GRPC },
  http: { endpoint: HTTP.slice(7) },
  maxBodyBytes: 1024 * 1024,
});
beforeEach(() => {
  sink.records.length = 0;
  sink.full = false;
});

async function sendWith(exporter: LogRecordExporter, body: string) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      node_name: 'sidecar~10.244.0.5~productpage-v1-6b746f74dc-9stvs.bookinfo~bookinfo.svc.cluster.local',
    }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger('envoy').emit({ body, attributes: { 'x-tenant': 'acme' } });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('otlp receiver, logs, with the OTel JS SDK exporters', () => {
  it.each([
    ['HTTP/JSON', () => new HttpJsonLogExporter({ url: `${HTTP}/v1/logs` })],
    ['HTTP/protobuf', () => new HttpProtoLogExporter({ url: `${HTTP}/v1/logs` })],
    ['gRPC', () => new GrpcLogExporter({ url: `http://${GRPC}` })],
  ])('%s: the body line becomes an AccessRecord with the node and the labels', async (_n, make) => {
    await sendWith(make(), LINE);
    const [rec] = await sink.waitFor(1);
    expect(rec).toMatchObject({
      'http.request.id': 'req-otel-1',
      'http.response.status_code': 503,
      'envoy.response_flags': ['UO'],
      'mesh.error_class': 'mesh',
      'mesh.source.workload': 'productpage-v1',
      'mesh.source.namespace': 'bookinfo',
      'envoy.extra.x-tenant': 'acme',
    });
  });

  const record = (body: string) => ({ body: { stringValue: body } });
  const request = (...bodies: string[]) => ({
    resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: bodies.map(record) }] }],
  });

  it('answers partial success with the rejected count and reason, and keeps the good records', async () => {
    const res = await fetch(`${HTTP}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request(LINE, 'not a log line')),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedLogRecords: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedLogRecords).toBe(1);
    expect(body.partialSuccess.errorMessage).toContain('does not match any Istio text format');
    expect(sink.records).toHaveLength(1);
  });

  it('accepts gzip and answers 413 past the decompressed limit', async () => {
    const ok = await fetch(`${HTTP}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(request(LINE))),
    });
    expect(ok.status).toBe(200);
    const bomb = gzipSync(JSON.stringify(request(...Array.from({ length: 5000 }, () => LINE))));
    const res = await fetch(`${HTTP}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
  });

  it.each([
    ['malformed JSON', 'application/json', '{"resourceLogs": [', /otlp-logs-json payload could not be decoded/],
    [
      'malformed protobuf',
      'application/x-protobuf',
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      /otlp-logs-proto payload could not be decoded/,
    ],
  ])('answers 400 with a message to %s', async (_n, type, body, message) => {
    const res = await fetch(`${HTTP}/v1/logs`, { method: 'POST', headers: { 'content-type': type }, body });
    expect(res.status).toBe(400);
    if (type === 'application/json') expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it('answers 429 with Retry-After when the pipeline is full (retryable under the OTLP spec)', async () => {
    sink.full = true;
    const res = await fetch(`${HTTP}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request(LINE)),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('answers 415 to an unsupported content type', async () => {
    const res = await fetch(`${HTTP}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(415);
  });
});
