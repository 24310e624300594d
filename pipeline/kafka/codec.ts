import { Decoder, Encoder } from '@msgpack/msgpack';

/**
 * How records are encoded on a topic. Every message names its encoding in the `content-type`
 * header, so a consumer reads what any producer version wrote. JSON is the default: measured in
 * bench/kafka-encoding.bench.ts (see the README, "Records on the topic").
 */
export type RecordEncoding = 'json' | 'msgpack';

export const CONTENT_TYPE_HEADER = 'content-type';
const CONTENT_TYPE: Record<RecordEncoding, string> = { json: 'application/json', msgpack: 'application/msgpack' };

export interface RecordCodec {
  readonly contentType: string;
  encode(record: unknown): Buffer;
  decode(value: Buffer): unknown;
}

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

const CODECS: Record<RecordEncoding, RecordCodec> = {
  json: {
    contentType: CONTENT_TYPE.json,
    encode: (r) => Buffer.from(JSON.stringify(r)),
    decode: (v) => JSON.parse(v.toString('utf8')) as unknown,
  },
  msgpack: {
    contentType: CONTENT_TYPE.msgpack,
    // Copied: the encoder may reuse its buffer on the next call.
    encode: (r) => Buffer.from(encoder.encode(r)),
    decode: (v) => decoder.decode(v),
  },
};

export function codecFor(encoding: RecordEncoding): RecordCodec {
  return CODECS[encoding];
}

/** The codec a message's `content-type` header names; a message without one is JSON. */
export function codecOf(contentType: string | undefined): RecordCodec | undefined {
  if (contentType === undefined || contentType === CONTENT_TYPE.json) return CODECS.json;
  if (contentType === CONTENT_TYPE.msgpack) return CODECS.msgpack;
  return undefined;
}
