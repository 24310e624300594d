import { decodeMulti } from '@msgpack/msgpack';
import { permanent } from '../../pipeline/errors.ts';
import { FLUENT_CODEC, type FluentRecord } from '../fluent_forward/events.ts';

/**
 * Fluent Bit's `http` output with `format msgpack`: a stream of `[time, record]` entries. The
 * decoder refuses an array or map header that claims more than `maxElements` before it allocates
 * (an `array32` header can claim 2³²−1 elements in 5 bytes); strings and binaries are already
 * bounded by the body cap. Throws a permanent MESHLOG_LIMIT_EXCEEDED or MESHLOG_DECODE_FAILED.
 */
export function decodeFluentBitMsgpack(body: Uint8Array, maxElements: number): FluentRecord[] {
  const records: FluentRecord[] = [];
  try {
    for (const e of decodeMulti(body, {
      extensionCodec: FLUENT_CODEC,
      maxArrayLength: maxElements,
      maxMapLength: maxElements,
    })) {
      if (records.length >= maxElements)
        throw permanent('MESHLOG_LIMIT_EXCEEDED', { what: 'msgpack entries in one body', limit: maxElements });
      records.push((Array.isArray(e) ? e[1] : e) as FluentRecord);
    }
  } catch (err) {
    if ((err as Error).message.startsWith('Max length exceeded'))
      throw permanent('MESHLOG_LIMIT_EXCEEDED', { what: `msgpack (${(err as Error).message})`, limit: maxElements });
    throw err;
  }
  return records;
}
