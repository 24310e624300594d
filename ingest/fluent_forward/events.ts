import { decode, DecodeError, ExtensionCodec } from '@msgpack/msgpack';
import { gunzipSync } from 'node:zlib';
import { frameAll } from './framer.ts';

/** Fluent's EventTime (msgpack ext type 0): 4-byte seconds and 4-byte nanoseconds, big-endian. */
export const FLUENT_CODEC = new ExtensionCodec();
FLUENT_CODEC.register({
  type: 0,
  encode: () => null,
  decode: (data: Uint8Array) => {
    if (data.byteLength !== 8) throw new DecodeError(`EventTime must be 8 bytes, got ${data.byteLength}`);
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return v.getUint32(0) + v.getUint32(4) / 1e9;
  },
});

export type FluentRecord = Record<string, unknown>;

export interface ForwardMessage {
  tag: string;
  records: FluentRecord[];
  /** The `chunk` option: the sender wants `{ack: chunk}` back once the records are accepted. */
  chunk?: string;
}

/**
 * One forward-protocol message, in any of its modes:
 * Message `[tag, time, record, option?]`, Forward `[tag, [[time, record], …], option?]`,
 * PackedForward `[tag, bin, option?]` and CompressedPackedForward (the bin gzipped,
 * `option.compressed == "gzip"`). Throws with a reason for anything else.
 */
export function readForwardMessage(msg: unknown, limits: { maxBytes: number; maxElements: number }): ForwardMessage {
  const { maxBytes, maxElements } = limits;
  if (!Array.isArray(msg) || msg.length < 2 || typeof msg[0] !== 'string')
    throw new Error('forward message must be an array starting with a tag string');
  const tag = msg[0];
  const second = msg[1];
  let records: FluentRecord[];
  let option: unknown;
  if (Array.isArray(second)) {
    records = second.map((e) => eventRecord(e));
    option = msg[2];
  } else if (second instanceof Uint8Array || typeof second === 'string') {
    option = msg[2];
    let packed = typeof second === 'string' ? Buffer.from(second, 'latin1') : second;
    if (isObject(option) && option.compressed === 'gzip') packed = gunzipSync(packed, { maxOutputLength: maxBytes });
    // The packed entries are framed like the outer stream, within the same limits, before decoding.
    const entries = frameAll(packed, { maxBytes, maxElements, maxDepth: 16 });
    records = entries.map((bytes) => eventRecord(decode(bytes, { extensionCodec: FLUENT_CODEC })));
  } else if (typeof second === 'number') {
    if (!isObject(msg[2])) throw new Error('Message mode: the third element must be a record map');
    records = [msg[2]];
    option = msg[3];
  } else {
    throw new Error('second element is neither a time, an entry array nor packed entries');
  }
  const chunk = isObject(option) && typeof option.chunk === 'string' ? option.chunk : undefined;
  return { tag, records, chunk };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** An entry is `[time, record]`, or Fluent Bit 2's `[[time, metadata], record]`. */
function eventRecord(e: unknown): FluentRecord {
  if (!Array.isArray(e) || e.length < 2 || !isObject(e[1])) throw new Error('entry must be [time, record]');
  return e[1];
}

/**
 * Turns Fluent records into newline-separated JSON lines for the parse worker, which unwraps
 * `log` and reads Fluent Bit's `kubernetes` metadata. Binary values are read as UTF-8 text.
 */
export function recordsToLines(records: FluentRecord[]): Buffer {
  const text = records
    .map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v)))
    .join('\n');
  return Buffer.from(text);
}
