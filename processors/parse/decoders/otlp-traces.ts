import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import { RecordPacker, unpackRecords } from '../../../pipeline/workers/record-codec.ts';
import type { Rejection } from '../task.ts';
import { otlpTracesProtoToPacked } from './otlp-traces-packed.ts';
import { OTLP_SPAN_KINDS as KINDS, OTLP_SPAN_STATUSES as STATUS } from './otlp-span-enums.ts';
import { SpanError, spanRecord } from './span-record.ts';
import { attributes, bytesAsHex, idHex, type KeyValue } from './values.ts';

export { bytesAsHex };

type Obj = Record<string, any>;

/**
 * An ExportTraceServiceRequest in protobuf to SpanRecords: written packed straight from the wire
 * (otlp-traces-packed.ts, what the workers send) and unpacked here, so this thread gets the same
 * records as `otlpToSpans(decodeOtlpTracesProto(data))`. Bad wire bytes throw and the whole
 * payload is undecodable; a span that cannot be normalised is rejected on its own, its payload the
 * decoded span as JSON.
 */
export function otlpTracesProtoToSpans(
  data: Uint8Array,
  receiver: string,
  spans: SpanRecord[],
  rejections: Rejection[],
): void {
  const packer = new RecordPacker();
  otlpTracesProtoToPacked(data, receiver, packer, rejections);
  for (const s of unpackRecords<SpanRecord>(packer.finish())) spans.push(s);
}

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
              name: typeof s.name === 'string' ? s.name : '',
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
