import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import type { Rejection } from '../task.ts';
import { SpanError, spanRecord } from './span-record.ts';
import { attributes, idHex, type KeyValue } from './values.ts';

type Obj = Record<string, any>;

const KINDS: Record<string, SpanRecord['span.kind']> = {
  '0': 'unspecified',
  '1': 'internal',
  '2': 'server',
  '3': 'client',
  '4': 'producer',
  '5': 'consumer',
  SPAN_KIND_UNSPECIFIED: 'unspecified',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};
const STATUS: Record<string, SpanRecord['span.status']> = {
  '0': 'unset',
  '1': 'ok',
  '2': 'error',
  STATUS_CODE_UNSET: 'unset',
  STATUS_CODE_OK: 'ok',
  STATUS_CODE_ERROR: 'error',
};

export function decodeOtlpTracesProto(data: Uint8Array): Obj {
  const type = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
  return type.toObject(type.decode(data), { longs: String, enums: Number, defaults: false });
}

/**
 * OTLP traces (protobuf decoded, OTLP JSON, or a Tempo/Jaeger response with `batches`) to
 * SpanRecords. Ids come as bytes, hex or base64; times as decimal nanosecond strings. Older
 * producers' `instrumentationLibrarySpans` are read like `scopeSpans`. A span that cannot be
 * normalised is rejected on its own with its reason.
 */
export function otlpToSpans(req: Obj, receiver: string, spans: SpanRecord[], rejections: Rejection[]): void {
  const resources = (req.resourceSpans ?? req.batches ?? []) as Obj[];
  if (!Array.isArray(resources)) throw new Error('resourceSpans is not an array');
  for (const rs of resources) {
    const resource = attributes(rs.resource?.attributes as KeyValue[]);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : null;
    for (const ss of (rs.scopeSpans ?? rs.instrumentationLibrarySpans ?? []) as Obj[]) {
      for (const s of (ss.spans ?? []) as Obj[]) {
        try {
          spans.push(
            spanRecord({
              traceId: idHex(s.traceId),
              spanId: idHex(s.spanId),
              parentId: idHex(s.parentSpanId),
              name: String(s.name ?? ''),
              kind: KINDS[String(s.kind ?? 0)] ?? 'unspecified',
              startNs: BigInt(s.startTimeUnixNano ?? 0),
              endNs: BigInt(s.endTimeUnixNano ?? 0),
              status: STATUS[String(s.status?.code ?? 0)] ?? 'unset',
              serviceName: service,
              attributes: attributes(s.attributes as KeyValue[]),
              resource,
            }),
          );
        } catch (err) {
          if (!(err instanceof SpanError) && !(err instanceof SyntaxError) && !(err instanceof RangeError)) throw err;
          rejections.push({
            receiver,
            code: 'MESHLOG_PARSE_FAILED',
            reason: `span ${JSON.stringify(s.name ?? '')}: ${err.message}`,
            payload: JSON.stringify(s, bytesAsHex),
          });
        }
      }
    }
  }
}

export function bytesAsHex(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}
