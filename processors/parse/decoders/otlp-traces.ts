import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import type { Rejection } from '../task.ts';
import { SpanError, spanRecord } from './span-record.ts';
import { attributes, forEachScopeItem, idHex, resourceAndScopes, Wire, wireKeyValue, type KeyValue } from './values.ts';

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

/**
 * An ExportTraceServiceRequest in protobuf straight to SpanRecords, read from the wire without
 * protobufjs message objects (the same records as `otlpToSpans(decodeOtlpTracesProto(data))`, at a
 * fraction of the cost). Bad wire bytes throw and the whole payload is undecodable, as before; a
 * span that cannot be normalised is rejected on its own, its payload the decoded span as JSON.
 */
export function otlpTracesProtoToSpans(
  data: Uint8Array,
  receiver: string,
  spans: SpanRecord[],
  rejections: Rejection[],
): void {
  const w = new Wire(data);
  const made: SpanRecord[] = [];
  const rejected: Rejection[] = [];
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag !== ((1 << 3) | 2)) {
      w.skip(tag & 7);
      continue;
    }
    const outer = w.enter();
    resourceSpans(w, receiver, made, rejected);
    w.leave(outer);
  }
  for (const s of made) spans.push(s);
  for (const r of rejected) rejections.push(r);
}

type Attrs = Record<string, string | number | boolean>;

function resourceSpans(w: Wire, receiver: string, spans: SpanRecord[], rejections: Rejection[]): void {
  // The resource may come after its spans on the wire: note where the ScopeSpans are, read them last.
  const { resource, scopes } = resourceAndScopes(w);
  const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : null;
  forEachScopeItem(w, scopes, (start) => {
    const parts = wireSpan(w, service, resource);
    try {
      spans.push(spanRecord(parts));
    } catch (err) {
      if (!(err instanceof SpanError) && !(err instanceof RangeError)) throw err;
      rejections.push(spanRejection(w, start, receiver, parts.name, err));
    }
  });
}

/** One Span message (the cursor limited to it) as SpanParts. */
function wireSpan(w: Wire, service: string | null, resource: Attrs) {
  let traceId: string | null = null;
  let spanId: string | null = null;
  let parentId: string | null = null;
  let name = '';
  let kind = 0;
  let startNs = 0n;
  let endNs = 0n;
  let status = 0;
  let slot = 2;
  const attrs: Attrs = {};
  while (w.pos < w.end) {
    const tag = w.varint();
    switch (tag) {
      case (1 << 3) | 2:
        traceId = w.hex();
        break;
      case (2 << 3) | 2:
        spanId = w.hex();
        break;
      case (4 << 3) | 2:
        parentId = w.hex();
        break;
      case (5 << 3) | 2:
        name = w.cachedString(0);
        break;
      case (6 << 3) | 0:
        kind = w.varint();
        break;
      case (7 << 3) | 1:
        startNs = w.fixed64();
        break;
      case (8 << 3) | 1:
        endNs = w.fixed64();
        break;
      case (9 << 3) | 2: {
        const outer = w.enter();
        wireKeyValue(w, attrs, slot);
        slot += 2;
        w.leave(outer);
        break;
      }
      case (15 << 3) | 2: {
        const outer = w.enter();
        while (w.pos < w.end) {
          const t = w.varint();
          if (t === ((3 << 3) | 0)) status = w.varint();
          else w.skip(t & 7);
        }
        w.leave(outer);
        break;
      }
      default:
        w.skip(tag & 7);
    }
  }
  return {
    traceId,
    spanId,
    parentId,
    name,
    kind: KINDS[kind] ?? 'unspecified',
    startNs,
    endNs,
    status: STATUS[status] ?? 'unset',
    serviceName: service,
    attributes: attrs,
    resource,
  };
}

/** A rejected span's payload: that span decoded the ordinary way, as JSON, for the dead-letter reader. */
function spanRejection(w: Wire, start: number, receiver: string, name: string, err: Error): Rejection {
  const type = protoType('opentelemetry.proto.trace.v1.Span');
  const r = new Wire(w.buf.subarray(start));
  const spanEnd = r.lengthEnd();
  const span = type.toObject(type.decode(r.buf.subarray(r.pos, spanEnd)), {
    longs: String,
    enums: Number,
    defaults: false,
  });
  return {
    receiver,
    code: 'MESHLOG_PARSE_FAILED',
    reason: `span ${JSON.stringify(name)}: ${err.message}`,
    payload: JSON.stringify(span, bytesAsHex),
  };
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

export function bytesAsHex(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}
