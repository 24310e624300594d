import { protoType } from '../../../pipeline/proto/load.ts';
import type { LineParser } from '../line-parser.ts';
import type { LineContext } from '../normalise.ts';
import type { ParseResult } from '../task.ts';
import { anyValue, attributes, idHex, type KeyValue } from './values.ts';

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
