import { checkJsonDepth } from '../../pipeline/json-depth.ts';
import { decode } from '@msgpack/msgpack';
import { FLUENT_CODEC, recordsToLines, type FluentRecord } from '../fluent_forward/events.ts';
import { frameAll } from '../fluent_forward/framer.ts';
import { countNewlines } from '../../pipeline/newlines.ts';

/**
 * Fluent Bit's `http` output with `format msgpack`: a stream of `[time, record]` entries. The
 * body is framed by its headers before anything is decoded, with at most `maxElements` elements
 * in the whole body (an `array32` header can claim 2³²−1 elements in 5 bytes, and nested
 * headers multiply); bytes are already bounded by the body cap. Throws a permanent
 * MESHLOG_LIMIT_EXCEEDED or MESHLOG_DECODE_FAILED.
 */
export function decodeFluentBitMsgpack(body: Uint8Array, maxElements: number): FluentRecord[] {
  const entries = frameAll(body, { maxBytes: body.byteLength, maxElements, maxDepth: 16 });
  return entries.map((bytes) => {
    const e = decode(bytes, { extensionCodec: FLUENT_CODEC });
    return (Array.isArray(e) ? e[1] : e) as FluentRecord;
  });
}

/**
 * The access-log lines in a /v1/fluentbit body (already inflated), by its content type: msgpack
 * entries, a JSON array of records (or one record), or raw lines (`json_lines` and anything
 * else). Throws a permanent error, or the JSON parser's SyntaxError, for a body it cannot read.
 */
export function fluentBitLines(body: Uint8Array, type: string, maxElements: number): { lines: Buffer; count: number } {
  if (type === 'application/msgpack' || type === 'application/x-msgpack') {
    const records = decodeFluentBitMsgpack(body, maxElements);
    return { lines: recordsToLines(records), count: records.length };
  }
  if (type === 'application/json') {
    const text = Buffer.from(body).toString('utf8');
    checkJsonDepth(text);
    const parsed = JSON.parse(text) as unknown;
    const records = (Array.isArray(parsed) ? parsed : [parsed]) as FluentRecord[];
    return { lines: recordsToLines(records), count: records.length };
  }
  return { lines: Buffer.from(body), count: countLines(body) };
}

/** Lines in a body, a last one without its newline included (a byte loop was 4 % of the main thread end to end). */
export function countLines(data: Uint8Array): number {
  const n = countNewlines(data);
  return data.length > 0 && data[data.length - 1] !== 10 ? n + 1 : n;
}
