import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as grpc from '@grpc/grpc-js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../pipeline/records.ts';
import { startedOtlpReceiver } from './testdata/started-receiver.ts';

const GRPC = '127.0.0.1:44217';
const HTTP = 'http://127.0.0.1:44218';

const { sink } = startedOtlpReceiver<SpanRecord>({ grpc: { endpoint: GRPC }, http: { endpoint: HTTP.slice(7) } });
beforeEach(() => {
  sink.records.length = 0;
  sink.full = false;
});

async function sendSpan(exporter: SpanExporter) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'reviews.default', 'k8s.pod.name': 'reviews-v2-abc' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const span = provider.getTracer('envoy').startSpan('reviews:9080/*', {
    attributes: {
      'guid:x-request-id': 'req-span-1',
      upstream_cluster: 'inbound|9080||',
      'http.status_code': '200',
      node_id: 'sidecar~10.1.1.9~reviews-v2-5b64f47978-q5s9x.default~default.svc.cluster.local',
    },
  });
  const ctx = span.spanContext();
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return ctx;
}

describe('otlp receiver, traces, with the OTel JS SDK exporters', () => {
  it.each([
    ['HTTP/JSON', () => new HttpJsonTraceExporter({ url: `${HTTP}/v1/traces` })],
    ['HTTP/protobuf', () => new HttpProtoTraceExporter({ url: `${HTTP}/v1/traces` })],
    ['gRPC', () => new GrpcTraceExporter({ url: `http://${GRPC}` })],
  ])('%s: the span arrives normalised, ids unchanged', async (_n, make) => {
    const ids = await sendSpan(make());
    const [span] = await sink.waitFor(1);
    expect(span).toMatchObject({
      'event.dataset': 'mesh.span',
      'trace.id': ids.traceId,
      'span.id': ids.spanId,
      'span.name': 'reviews:9080/*',
      'service.name': 'reviews.default',
      'http.request.id': 'req-span-1',
      'envoy.upstream.cluster': 'inbound|9080||',
      'http.response.status_code': 200,
      'mesh.source.workload': 'reviews-v2',
      'k8s.pod.name': 'reviews-v2-abc',
    });
  });

  it('answers partial success naming the rejected spans', async () => {
    const spans = [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        name: 'good',
        startTimeUnixNano: '1',
        endTimeUnixNano: '2',
      },
      { traceId: 'xyz', spanId: 'eee19b7ec3c1b174', name: 'bad', startTimeUnixNano: '1', endTimeUnixNano: '2' },
    ];
    const res = await fetch(`${HTTP}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
    });
    expect(await res.json()).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringContaining('span "bad": invalid trace id') },
    });
    expect(sink.records.map((s) => s['span.name'])).toEqual(['good']);
  });

  it('answers INVALID_ARGUMENT over gRPC to a malformed protobuf, and RESOURCE_EXHAUSTED with RetryInfo when full', async () => {
    const identity = (b: Buffer) => b;
    const Client = grpc.makeGenericClientConstructor(
      {
        Export: {
          path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      },
      'TraceService',
    );
    const client = new Client(GRPC, grpc.credentials.createInsecure()) as unknown as {
      Export: (req: Buffer, cb: (err: grpc.ServiceError | null) => void) => void;
      close(): void;
    };
    const call = (body: Buffer) => new Promise<grpc.ServiceError | null>((resolve) => client.Export(body, resolve));
    const bad = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(bad?.code).toBe(grpc.status.INVALID_ARGUMENT);
    sink.full = true;
    const { protoType } = await import('../../pipeline/proto/load.ts');
    const t = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
    const body = Buffer.from(
      t
        .encode(
          t.fromObject({
            resourceSpans: [
              { scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'x' }] }] },
            ],
          }),
        )
        .finish(),
    );
    const full = await call(body);
    expect(full?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // The OTLP spec makes RESOURCE_EXHAUSTED retryable only when the status carries RetryInfo.
    const st = protoType('google.rpc.Status');
    const details = st.toObject(st.decode(full!.metadata.get('grpc-status-details-bin')[0] as Buffer)) as {
      details: Array<{ type_url?: string; typeUrl?: string }>;
    };
    expect(details.details[0].typeUrl ?? details.details[0].type_url).toBe('type.googleapis.com/google.rpc.RetryInfo');
    client.close();
  });
});
