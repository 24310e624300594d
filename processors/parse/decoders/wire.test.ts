import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import { LineParser } from '../line-parser.ts';
import type { ParseResult, Rejection } from '../task.ts';
import { decodeOtlpLogsProto, otlpLogsProtoToRecords, otlpLogsToRecords } from './otlp-logs.ts';
import { decodeOtlpTracesProto, otlpToSpans, otlpTracesProtoToSpans } from './otlp-traces.ts';
import { WireError } from './values.ts';

const REQ = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

/** The old way (protobufjs objects, toObject, then normalise) and the wire reader, side by side. */
function both(bytes: Uint8Array) {
  const a = { spans: [] as SpanRecord[], rejections: [] as Rejection[] };
  otlpToSpans(decodeOtlpTracesProto(bytes), 't', a.spans, a.rejections);
  const b = { spans: [] as SpanRecord[], rejections: [] as Rejection[] };
  otlpTracesProtoToSpans(bytes, 't', b.spans, b.rejections);
  return { objects: a, wire: b };
}

function span(i: number, extra: Record<string, unknown> = {}) {
  return {
    traceId: Buffer.from(`${String(i).padStart(8, '0')}aaaabbbbccccddddeeeeffff`, 'hex'),
    spanId: Buffer.from(`${String(i).padStart(8, '0')}12345678`, 'hex'),
    name: `span ${i} ✓`,
    kind: i % 6,
    startTimeUnixNano: String(1714557600000000000n + BigInt(i)),
    endTimeUnixNano: String(1714557600001500000n + BigInt(i)),
    status: { code: i % 3, message: 'm' },
    attributes: [
      kv('guid:x-request-id', { stringValue: `rid-${i}` }),
      kv('node_id', {
        stringValue: 'sidecar~10.1.1.5~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local',
      }),
      kv('http.status_code', { stringValue: '503' }),
      kv('response_flags', { stringValue: 'UF,URX' }),
      kv('empty', { stringValue: '' }),
      kv('neg', { intValue: '-5' }),
      kv('big', { intValue: '9007199254740993' }),
      kv('ratio', { doubleValue: 0.25 }),
      kv('flag', { boolValue: true }),
      kv('raw', { bytesValue: Buffer.from([1, 2, 255]) }),
      kv('list', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } }),
      kv('map', { kvlistValue: { values: [kv('k', { boolValue: false })] } }),
      kv('unset', {}),
    ],
    events: [{ timeUnixNano: '1', name: 'ev' }],
    ...extra,
  };
}

describe('OTLP traces from the wire', () => {
  it('gives exactly the records the protobufjs objects give, every value type included', () => {
    const bytes = REQ.encode(
      REQ.fromObject({
        resourceSpans: [
          {
            resource: {
              attributes: [kv('service.name', { stringValue: 'svc' }), kv('k8s.pod.name', { stringValue: 'p' })],
            },
            scopeSpans: [{ scope: { name: 's' }, spans: [span(1), span(2), span(3)] }, { spans: [span(4)] }],
          },
          { scopeSpans: [{ spans: [span(5, { parentSpanId: Buffer.from('0102030405060708', 'hex') })] }] },
        ],
      }),
    ).finish();
    const { objects, wire } = both(bytes);
    expect(objects.spans).toHaveLength(5);
    expect(wire).toEqual(objects);
    expect(wire.spans[0].attributes).toMatchObject({ neg: -5, flag: true, list: '["a",2]', map: '{"k":false}' });
  });

  it('reads a resource that comes after its spans on the wire', () => {
    const scope = protoType('opentelemetry.proto.trace.v1.ScopeSpans');
    const resource = protoType('opentelemetry.proto.resource.v1.Resource');
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork();
    w.uint32((2 << 3) | 2).bytes(scope.encode(scope.fromObject({ spans: [span(7)] })).finish());
    w.uint32((1 << 3) | 2).bytes(
      resource.encode(resource.fromObject({ attributes: [kv('service.name', { stringValue: 'late' })] })).finish(),
    );
    w.ldelim();
    const { objects, wire } = both(w.finish());
    expect(wire.spans[0]['service.name']).toBe('late');
    expect(wire).toEqual(objects);
  });

  it('rejects a span with a bad id on its own, with the same reason and payload as before', () => {
    const bad = span(9, { spanId: Buffer.alloc(8) });
    const bytes = REQ.encode(REQ.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span(8), bad] }] }] })).finish();
    const { objects, wire } = both(bytes);
    expect(wire.spans).toHaveLength(1);
    expect(wire.rejections).toHaveLength(1);
    expect(wire).toEqual(objects);
  });

  it('fails the whole payload on truncated bytes, keeping no half-read spans', () => {
    const bytes = REQ.encode(
      REQ.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span(1), span(2)] }] }] }),
    ).finish();
    const spans: SpanRecord[] = [];
    expect(() => otlpTracesProtoToSpans(bytes.subarray(0, bytes.length - 10), 't', spans, [])).toThrow(WireError);
    expect(() => otlpTracesProtoToSpans(Buffer.from([0x0a, 0xff]), 't', spans, [])).toThrow(WireError);
    expect(spans).toEqual([]);
  });
});

describe('OTLP logs from the wire', () => {
  const LOGS = protoType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest');
  const line =
    '[2024-06-01T00:00:00.001Z] "GET /api/v1/items/42 HTTP/1.1" 503 UF upstream_reset_before_response_started{connection_failure} - "-" 0 512 18 18 "203.0.113.7" "Mozilla/5.0" "RID" "shop.example.com" "10.1.0.5:8080" inbound|8080|| 127.0.0.6:4000 10.1.0.5:8080 10.1.0.2:41000 outbound_.8080_._.frontend.shop.svc.cluster.local default';

  it('gives exactly the records and rejections the protobufjs objects give', () => {
    const bytes = LOGS.encode(
      LOGS.fromObject({
        resourceLogs: [
          {
            resource: {
              attributes: [
                kv('node_name', {
                  stringValue: 'sidecar~10.1.0.5~frontend-v1-6b746f74dc-9stvs.shop~shop.svc.cluster.local',
                }),
              ],
            },
            scopeLogs: [
              {
                logRecords: [
                  {
                    body: { stringValue: `${line}\n` },
                    attributes: [kv('team', { stringValue: 'a' }), kv('n', { intValue: 3 })],
                    traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
                    spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
                  },
                  {
                    body: { stringValue: line.replace('RID', 'RID2') },
                    attributes: [kv('team', { stringValue: 'b' })],
                  },
                  { body: { stringValue: 'not an access line' } },
                  { body: { intValue: 7 }, severityText: 'INFO' },
                  { body: { stringValue: '  ' } },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    const parser = new LineParser('auto');
    const objects: ParseResult = { records: [], rejections: [] };
    otlpLogsToRecords(decodeOtlpLogsProto(bytes), parser, 't', objects);
    const wire: ParseResult = { records: [], rejections: [] };
    otlpLogsProtoToRecords(bytes, parser, 't', wire);
    expect(objects.records).toHaveLength(2);
    expect(objects.rejections).toHaveLength(3);
    expect(wire).toEqual(objects);
    expect(wire.records[0]).toMatchObject({
      'envoy.extra.team': 'a',
      'envoy.extra.n': 3,
      'span.id': 'eee19b7ec3c1b174',
    });
  });

  it('fails the whole payload on truncated bytes', () => {
    const bytes = LOGS.encode(
      LOGS.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: line } }] }] }] }),
    ).finish();
    const out: ParseResult = { records: [], rejections: [] };
    expect(() => otlpLogsProtoToRecords(bytes.subarray(0, bytes.length - 5), new LineParser('auto'), 't', out)).toThrow(
      WireError,
    );
    expect(out).toEqual({ records: [], rejections: [] });
  });
});
