import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import type { Rejection } from '../task.ts';
import { decodeOtlpTracesProto, otlpToSpans } from './otlp-traces.ts';
import { decodeZipkinProto, zipkinToSpans } from './zipkin.ts';

function otlp(doc: unknown) {
  const spans: SpanRecord[] = [];
  const rejections: Rejection[] = [];
  otlpToSpans(doc as Record<string, unknown>, 't', spans, rejections);
  return { spans, rejections };
}

describe('OTLP spans', () => {
  it('decodes the real bookinfo trace to 8 spans with the request id, service and upstream cluster', () => {
    const doc = JSON.parse(
      readFileSync(new URL('../testdata/otlp-trace-kiali-bookinfo-tempo.json', import.meta.url), 'utf8'),
    );
    const { spans, rejections } = otlp(doc);
    expect(rejections).toEqual([]);
    expect(spans).toHaveLength(8);
    for (const s of spans) {
      expect(s['http.request.id']).toBe('e4e8c177-3962-9359-945e-61e7175cd867');
      expect(s['trace.id']).toBe('3ba55609c3cde49649cd77d1f9dcd936');
      expect(s['service.name']).toBeTruthy();
      expect(s['envoy.upstream.cluster']).toMatch(/^(outbound|inbound)\|9080\|/);
    }
    const byService = Object.fromEntries(spans.map((s) => [`${s['service.name']} ${s['span.kind']}`, s]));
    expect(Object.keys(byService).sort()).toEqual([
      'details.bookinfo server',
      'istio-ingressgateway.istio-system client',
      'productpage.bookinfo client',
      'productpage.bookinfo server',
      'ratings.bookinfo server',
      'reviews.bookinfo client',
      'reviews.bookinfo server',
    ]);
    const gw = byService['istio-ingressgateway.istio-system client'];
    expect(gw).toMatchObject({
      'parent.id': null,
      'mesh.source.workload': 'istio-ingressgateway',
      'mesh.source.namespace': 'istio-system',
      'http.response.status_code': 200,
      'envoy.upstream.cluster': 'outbound|9080||productpage.bookinfo.svc.cluster.local',
    });
    expect(gw['event.duration']).toBe(Number(BigInt(gw['span.end_ns']) - BigInt(gw['span.start_ns'])));
    // Parent links stay inside the trace.
    const ids = new Set(spans.map((s) => s['span.id']));
    for (const s of spans) if (s['parent.id']) expect(ids).toContain(s['parent.id']);
  });

  it('reads protobuf bytes ids, hex JSON ids and base64 JSON ids to the same lowercase hex', () => {
    const traceHex = '5b8efff798038103d269b633813fc60c';
    const spanHex = 'eee19b7ec3c1b174';
    const span = (traceId: unknown, spanId: unknown) => ({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'x',
                  kind: 2,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000001000000',
                  attributes: [{ key: 'guid:x-request-id', value: { stringValue: 'r1' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const hex = otlp(span(traceHex.toUpperCase(), spanHex)).spans[0];
    const b64 = otlp(
      span(Buffer.from(traceHex, 'hex').toString('base64'), Buffer.from(spanHex, 'hex').toString('base64')),
    ).spans[0];
    const type = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
    const bytes = type
      .encode(type.fromObject(span(Buffer.from(traceHex, 'hex'), Buffer.from(spanHex, 'hex'))))
      .finish();
    const proto = otlp(decodeOtlpTracesProto(bytes)).spans[0];
    for (const s of [hex, b64, proto]) {
      expect(s).toMatchObject({
        'trace.id': traceHex,
        'span.id': spanHex,
        'span.kind': 'server',
        'event.duration': 1_000_000,
        'http.request.id': 'r1',
        'service.name': 'svc',
        '@timestamp': '2023-11-14T22:13:20.000Z',
      });
    }
  });

  it('rejects a span with a bad id on its own, keeping the others', () => {
    const good = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'ok',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    const { spans, rejections } = otlp({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                good,
                { ...good, spanId: '', name: 'bad' },
                { ...good, traceId: '00000000000000000000000000000000', name: 'zero' },
              ],
            },
          ],
        },
      ],
    });
    expect(spans.map((s) => s['span.name'])).toEqual(['ok']);
    expect(rejections.map((r) => r.reason)).toEqual([
      'span "bad": invalid span id null',
      'span "zero": invalid trace id "00000000000000000000000000000000"',
    ]);
  });
});

describe('Zipkin v2 spans', () => {
  const envoySpan = {
    traceId: '80f198ee56343ba864fe8b2a57d3eff7',
    id: 'e457b5a2e4d86bd1',
    parentId: '05e3ac9a4f6e3b90',
    kind: 'CLIENT',
    name: 'reviews.default.svc.cluster.local:9080/*',
    timestamp: 1714557600123456,
    duration: 1500,
    localEndpoint: { serviceName: 'productpage.default', ipv4: '10.1.1.5' },
    shared: false,
    tags: {
      'guid:x-request-id': '84961386-6d84-929d-98bd-c5aee93b5c88',
      upstream_cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
      response_flags: 'UO',
      'http.status_code': '503',
      node_id: 'sidecar~10.1.1.5~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
      error: 'true',
    },
  };

  it('normalises Envoy’s tags, microsecond times and 128-bit ids', () => {
    const spans: SpanRecord[] = [];
    zipkinToSpans([envoySpan], 't', spans, []);
    expect(spans[0]).toMatchObject({
      'trace.id': '80f198ee56343ba864fe8b2a57d3eff7',
      'span.id': 'e457b5a2e4d86bd1',
      'parent.id': '05e3ac9a4f6e3b90',
      'span.kind': 'client',
      'span.start_ns': '1714557600123456000',
      'event.duration': 1_500_000,
      'span.status': 'error',
      'service.name': 'productpage.default',
      'http.request.id': '84961386-6d84-929d-98bd-c5aee93b5c88',
      'http.response.status_code': 503,
      'envoy.response_flags': ['UO'],
      'mesh.source.workload': 'productpage-v1',
      'mesh.source.namespace': 'default',
    });
  });

  it('keeps 64-bit trace ids and reads proto3 the same as JSON', () => {
    const short = { ...envoySpan, traceId: '64fe8b2a57d3eff7' };
    const type = protoType('zipkin.proto3.ListOfSpans');
    const bytes = type
      .encode(
        type.fromObject({
          spans: [
            {
              ...short,
              traceId: Buffer.from(short.traceId, 'hex'),
              id: Buffer.from(short.id, 'hex'),
              parentId: Buffer.from(short.parentId, 'hex'),
              localEndpoint: { serviceName: 'productpage.default' },
            },
          ],
        }),
      )
      .finish();
    const fromJson: SpanRecord[] = [];
    const fromProto: SpanRecord[] = [];
    zipkinToSpans([short], 't', fromJson, []);
    zipkinToSpans(decodeZipkinProto(bytes), 't', fromProto, []);
    expect(fromProto[0]).toEqual(fromJson[0]);
    expect(fromJson[0]['trace.id']).toBe('64fe8b2a57d3eff7');
  });

  it('refuses a body that is not an array', () => {
    expect(() => zipkinToSpans({}, 't', [], [])).toThrow('a Zipkin v2 body is a JSON array of spans');
  });
});
