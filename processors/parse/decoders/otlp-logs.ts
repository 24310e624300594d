import { protoType } from '../../../pipeline/proto/load.ts';
import type { LineParser } from '../line-parser.ts';
import type { LineContext } from '../normalise.ts';
import type { ParseResult, Rejection } from '../task.ts';
import type { AccessRecord } from '../../../pipeline/records.ts';
import {
  anyValue,
  attributes,
  idHex,
  forEachScopeItem,
  resourceAndScopes,
  Wire,
  wireAnyValue,
  wireKeyValue,
  type KeyValue,
} from './values.ts';

type Obj = Record<string, any>;

export function decodeOtlpLogsProto(data: Uint8Array): Obj {
  const type = protoType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest');
  return type.toObject(type.decode(data), { longs: String, enums: Number, defaults: false });
}

/**
 * OTLP logs as Istio's `envoyOtelAls` provider sends them: the formatted access-log line in the
 * body (any format the line parser knows), extra labels as attributes, and the proxy's node id in
 * the resource (`node_name`). Attributes are kept as extras; a record whose body does not parse is
 * rejected on its own, the rest of the request goes on.
 */
export function otlpLogsToRecords(req: Obj, parser: LineParser, receiver: string, out: ParseResult): void {
  for (const rl of (req.resourceLogs ?? []) as Obj[]) {
    const res = attributes(rl.resource?.attributes as KeyValue[]);
    const ctx: LineContext = {};
    if (typeof res.node_name === 'string') ctx.nodeId = res.node_name;
    if (typeof res['k8s.pod.name'] === 'string') ctx.pod = res['k8s.pod.name'];
    if (typeof res['k8s.namespace.name'] === 'string') ctx.namespace = res['k8s.namespace.name'];
    for (const sl of (rl.scopeLogs ?? []) as Obj[]) {
      for (const lr of (sl.logRecords ?? []) as Obj[]) {
        const body = anyValue(lr.body);
        if (typeof body !== 'string' || body.trim() === '') {
          out.rejections.push({
            receiver,
            code: 'MESHLOG_PARSE_FAILED',
            reason: 'OTLP log record has no text body',
            payload: JSON.stringify(lr),
          });
          continue;
        }
        const result = parser.parse(body.replace(/\r?\n$/, ''), ctx);
        if (!result.ok) {
          out.rejections.push({ receiver, code: 'MESHLOG_PARSE_FAILED', reason: result.reason, payload: body });
          continue;
        }
        const rec = result.record;
        for (const [k, v] of Object.entries(attributes(lr.attributes as KeyValue[]))) rec[`envoy.extra.${k}`] = v;
        const traceId = idHex(lr.traceId);
        if (traceId) rec['trace.id'] = traceId;
        const spanId = idHex(lr.spanId);
        if (spanId) rec['span.id'] = spanId;
        out.records.push(rec);
      }
    }
  }
}

type Attrs = Record<string, string | number | boolean>;

/**
 * An ExportLogsServiceRequest in protobuf straight to records, read from the wire without
 * protobufjs message objects: the same records and rejections as
 * `otlpLogsToRecords(decodeOtlpLogsProto(data))`. Bad wire bytes throw (the whole payload is
 * undecodable, nothing from it is kept).
 */
export function otlpLogsProtoToRecords(data: Uint8Array, parser: LineParser, receiver: string, out: ParseResult): void {
  const w = new Wire(data);
  const records: AccessRecord[] = [];
  const rejections: Rejection[] = [];
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag !== ((1 << 3) | 2)) {
      w.skip(tag & 7);
      continue;
    }
    const outer = w.enter();
    resourceLogs(w, parser, receiver, records, rejections);
    w.leave(outer);
  }
  for (const r of records) out.records.push(r);
  for (const r of rejections) out.rejections.push(r);
}

function resourceLogs(
  w: Wire,
  parser: LineParser,
  receiver: string,
  records: AccessRecord[],
  rejections: Rejection[],
): void {
  // The resource may come after its log records on the wire: note where the ScopeLogs are, read them last.
  const { resource: res, scopes } = resourceAndScopes(w);
  const ctx: LineContext = {};
  if (typeof res.node_name === 'string') ctx.nodeId = res.node_name;
  if (typeof res['k8s.pod.name'] === 'string') ctx.pod = res['k8s.pod.name'];
  if (typeof res['k8s.namespace.name'] === 'string') ctx.namespace = res['k8s.namespace.name'];
  forEachScopeItem(w, scopes, (start) => logRecord(w, start, parser, ctx, receiver, records, rejections));
}

function logRecord(
  w: Wire,
  start: number,
  parser: LineParser,
  ctx: LineContext,
  receiver: string,
  records: AccessRecord[],
  rejections: Rejection[],
): void {
  let body: string | number | boolean | null = null;
  let traceId: string | null = null;
  let spanId: string | null = null;
  let slot = 0;
  let attrs: Attrs | null = null;
  while (w.pos < w.end) {
    const tag = w.varint();
    switch (tag) {
      case (5 << 3) | 2: {
        const outer = w.enter();
        body = wireAnyValue(w);
        w.leave(outer);
        break;
      }
      case (6 << 3) | 2: {
        const outer = w.enter();
        wireKeyValue(w, (attrs ??= {}), slot);
        slot += 2;
        w.leave(outer);
        break;
      }
      case (9 << 3) | 2:
        traceId = w.hex();
        break;
      case (10 << 3) | 2:
        spanId = w.hex();
        break;
      default:
        w.skip(tag & 7);
    }
  }
  if (typeof body !== 'string' || body.trim() === '') {
    rejections.push({
      receiver,
      code: 'MESHLOG_PARSE_FAILED',
      reason: 'OTLP log record has no text body',
      payload: JSON.stringify(decodedLogRecord(w, start)),
    });
    return;
  }
  const result = parser.parse(body.replace(/\r?\n$/, ''), ctx);
  if (!result.ok) {
    rejections.push({ receiver, code: 'MESHLOG_PARSE_FAILED', reason: result.reason, payload: body });
    return;
  }
  const rec = result.record;
  if (attrs) for (const k in attrs) rec[`envoy.extra.${k}`] = attrs[k];
  if (traceId) rec['trace.id'] = traceId;
  if (spanId) rec['span.id'] = spanId;
  records.push(rec);
}

/** A rejected log record decoded the ordinary way (protobufjs, toObject), for its dead letter. */
function decodedLogRecord(w: Wire, start: number): Obj {
  const type = protoType('opentelemetry.proto.logs.v1.LogRecord');
  const r = new Wire(w.buf.subarray(start));
  const end = r.lengthEnd();
  return type.toObject(type.decode(r.buf.subarray(r.pos, end)), { longs: String, enums: Number, defaults: false });
}
