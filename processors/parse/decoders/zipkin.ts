import { protoType } from '../../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../../pipeline/records.ts';
import type { Rejection } from '../task.ts';
import { bytesAsHex } from './otlp-traces.ts';
import { SpanError, spanRecord } from './span-record.ts';
import { idHex, num } from './values.ts';

type Obj = Record<string, any>;

const KINDS: Record<string, SpanRecord['span.kind']> = {
  CLIENT: 'client',
  SERVER: 'server',
  PRODUCER: 'producer',
  CONSUMER: 'consumer',
};

export function decodeZipkinProto(data: Uint8Array): Obj[] {
  const type = protoType('zipkin.proto3.ListOfSpans');
  const list = type.toObject(type.decode(data), { longs: String, enums: String, defaults: false }) as { spans?: Obj[] };
  return list.spans ?? [];
}

/**
 * Zipkin v2 spans (JSON, or proto3 decoded) to SpanRecords: times are microseconds, ids 16 or 32
 * hex characters, every tag a string (Envoy's tags: `guid:x-request-id`, `upstream_cluster`,
 * `response_flags`, `node_id`, `http.status_code`, …). An `error` tag marks the status.
 */
/** Spans one Zipkin request may carry (Zipkin reporters send hundreds); more is refused whole, before any work. */
const MAX_SPANS_PER_REQUEST = 50_000;

export function zipkinToSpans(list: unknown, receiver: string, spans: SpanRecord[], rejections: Rejection[]): void {
  if (!Array.isArray(list)) throw new Error('a Zipkin v2 body is a JSON array of spans');
  if (list.length > MAX_SPANS_PER_REQUEST)
    throw new Error(`${list.length} spans in one request; at most ${MAX_SPANS_PER_REQUEST} are read`);
  for (const s of list as Obj[]) {
    try {
      if (!s || typeof s !== 'object') throw new SpanError('span is not an object');
      const startUs = BigInt(num(s.timestamp) ?? 0);
      const durationUs = BigInt(num(s.duration) ?? 0);
      if (s.tags != null && (typeof s.tags !== 'object' || Array.isArray(s.tags)))
        throw new SpanError('tags must be an object of strings');
      const tags = (s.tags ?? {}) as Record<string, string>;
      spans.push(
        spanRecord({
          traceId: idHex(s.traceId)?.toLowerCase() ?? null,
          spanId: idHex(s.id)?.toLowerCase() ?? null,
          parentId: idHex(s.parentId)?.toLowerCase() ?? null,
          name: typeof s.name === 'string' ? s.name : '',
          kind: KINDS[String(s.kind ?? '')] ?? 'unspecified',
          startNs: startUs * 1000n,
          endNs: (startUs + durationUs) * 1000n,
          status: 'error' in tags ? 'error' : 'unset',
          serviceName: s.localEndpoint?.serviceName ?? null,
          attributes: { ...tags },
        }),
      );
    } catch (err) {
      if (!(err instanceof SpanError) && !(err instanceof SyntaxError) && !(err instanceof RangeError)) throw err;
      rejections.push({
        receiver,
        code: 'MESHLOG_PARSE_FAILED',
        reason: `zipkin span: ${err.message}`,
        payload: JSON.stringify(s, bytesAsHex),
      });
    }
  }
}
