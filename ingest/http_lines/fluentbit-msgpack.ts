import { decode } from '@msgpack/msgpack';
import { FLUENT_CODEC, type FluentRecord } from '../fluent_forward/events.ts';
import { frameAll } from '../fluent_forward/framer.ts';

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
