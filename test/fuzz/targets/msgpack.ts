import { decode, DecodeError, encode, ExtData } from '@msgpack/msgpack';
import { frameAll } from '../../../ingest/fluent_forward/framer.ts';
import { fluentBitLines } from '../../../ingest/http_lines/fluentbit-body.ts';
import fc from 'fast-check';
import {
  FLUENT_CODEC,
  readForwardMessage,
  recordsToLines,
  type FluentRecord,
} from '../../../ingest/fluent_forward/events.ts';
import { decodeBody } from '../../../pipeline/http/body.ts';
import { PipelineError } from '../../../pipeline/errors.ts';
import { parseChunk } from '../../../processors/parse/chunk.ts';
import type { ParseResult } from '../../../processors/parse/task.ts';
import type { Rng } from '../rng.ts';
import { loadSeeds } from '../seeds.ts';
import { msgpackBombs } from './probes.ts';
import { ENGINE_ERROR, firstReason, type Outcome, type Target } from '../target.ts';
import { sample } from './lines.ts';

/** The receivers' default caps (ingest/fluent_forward/config.ts, ingest/http_lines/config.ts). */
const MAX_BYTES = 8 * 1024 * 1024;
/** The receivers' default element caps (fluent_forward maxElements, http_lines maxMsgpackElements). */
const MAX_ELEMENTS = 1_000_000;

/**
 * What the forward and Fluent Bit decoders may throw for bad input (the receiver turns it into a
 * closed connection or a 400 with the message): msgpack's DecodeError and its "Insufficient data" /
 * "Extra bytes" RangeErrors, zlib's errors, and the plain Errors of readForwardMessage. A TypeError,
 * a stack overflow or a DataView RangeError is a bug.
 */
export function msgpackRefusal(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  // A truncated message: msgpack's Decoder reads past the end and lets the DataView's RangeError
  // out (documented as `@throws RangeError`; the stream decoder waits for more bytes instead).
  if (err instanceof RangeError && topFrame(err).includes('@msgpack/msgpack'))
    return `truncated msgpack: ${err.message}`;
  if (ENGINE_ERROR.test(err.message)) return undefined;
  if (err instanceof DecodeError || err instanceof PipelineError) return err.message;
  if (err instanceof RangeError && /^(Insufficient data|Extra \d+ of \d+ byte)/.test(err.message)) return err.message;
  const code = (err as NodeJS.ErrnoException).code;
  if (code && /^(Z_|ERR_BUFFER_TOO_LARGE)/.test(code)) return `${code}: ${err.message}`;
  if (err.constructor === Error) return err.message;
  return undefined;
}

/** The first stack frame in a file (skipping the engine's own DataView frames). */
function topFrame(err: Error): string {
  return (err.stack ?? '').split('\n').find((l) => /\.(c|m)?[jt]s:\d+/.test(l)) ?? '';
}

function parseLines(data: Uint8Array): Outcome {
  const out: ParseResult = { records: [], rejections: [] };
  parseChunk({ encoding: 'lines', data, receiver: 'fuzz' }, { format: 'auto', maxLineBytes: 64 * 1024 }, out);
  return firstReason(out.rejections.map((r) => r.reason));
}

const hdr = (...b: number[]) => Uint8Array.from(b);
/** msgpack headers that claim sizes: array32/map32/str32/bin32/ext32 near 2^32, fixext type 0, nil. */
const MSGPACK_TOKENS = [
  hdr(0xdd, 0xff, 0xff, 0xff, 0xff),
  hdr(0xdc, 0xff, 0xff),
  hdr(0xdf, 0xff, 0xff, 0xff, 0xff),
  hdr(0xdb, 0xff, 0xff, 0xff, 0xff),
  hdr(0xc6, 0x7f, 0xff, 0xff, 0xff),
  hdr(0xc9, 0xff, 0xff, 0xff, 0xff, 0x00),
  hdr(0xd4, 0x00, 0x01),
  hdr(0xd7, 0x00, 0, 0, 0, 1, 0, 0, 0, 1),
  hdr(0xc7, 0x03, 0x00, 1, 2, 3),
  hdr(0xc0),
  hdr(0x91),
  hdr(0x92, 0xa3, 0x61, 0x62, 0x63),
  hdr(0x81, 0xa3, 0x6c, 0x6f, 0x67),
  hdr(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  hdr(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0),
  hdr(0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0),
  hdr(0x81, 0xa9, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f),
];

const eventTime = (rng: Rng) => {
  const b = new Uint8Array(rng.pick([8, 8, 8, 0, 1, 4, 12]));
  for (let i = 0; i < b.length; i++) b[i] = rng.int(256);
  return new ExtData(0, b);
};
const RECORD = fc.oneof(
  fc.record({ log: fc.string(), kubernetes: fc.option(fc.object({ maxDepth: 1 })) }, { requiredKeys: [] }),
  fc.object({ maxDepth: 2 }),
);
const RECORDS = fc.array(RECORD, { maxLength: 4 });
const OPTION = fc.object({ maxDepth: 1 });
const ANYTHING = fc.anything();

/** A forward message of a random mode with random records, Fluent EventTimes and options. */
function forwardMessage(rng: Rng): Uint8Array {
  const records = sample(RECORDS, rng) as FluentRecord[];
  const time = () => (rng.chance(0.5) ? eventTime(rng) : rng.int(2 ** 31));
  const entries = records.map((r) => (rng.chance(0.1) ? [[time(), {}], r] : [time(), r]));
  const option = rng.chance(0.5) ? sample(OPTION, rng) : { chunk: 'abc' };
  const tag = rng.chance(0.9) ? 'kube.var.log' : sample(ANYTHING, rng);
  switch (rng.int(5)) {
    case 0:
      return encode([tag, time(), records[0] ?? {}, option], { extensionCodec: FLUENT_CODEC });
    case 1:
      return encode([tag, entries, option], { extensionCodec: FLUENT_CODEC });
    case 2:
      return encode([tag, Buffer.concat(entries.map((e) => encode(e))), option]);
    case 3:
      return encode(sample(ANYTHING, rng));
    default:
      return encode([tag, Buffer.concat(entries.map((e) => encode(e))), { ...option, compressed: 'gzip' }]);
  }
}

/**
 * Fluent forward (ingest/fluent_forward): the receiver's msgpack stream decoding with its caps,
 * readForwardMessage, and the lines it hands to the parse worker.
 */
export const fluentForward: Target = {
  name: 'fluent-forward',
  inflateCap: MAX_BYTES,
  contract:
    'decodeMulti (receiver caps) + readForwardMessage throw only msgpack DecodeError/"Insufficient data"/"Extra bytes", zlib errors or readForwardMessage\'s Errors; the lines then parse or are rejected with a reason',
  maxLen: 64 * 1024,
  seeds: () => loadSeeds('fluent-forward'),
  probes: () => msgpackBombs(new Uint8Array(0)),
  dictionary: MSGPACK_TOKENS,
  generate: forwardMessage,
  run(input) {
    const lines: Uint8Array[] = [];
    try {
      // The receiver's path: frame by headers (bounded), decode each message, read its shape.
      const limits = { maxBytes: MAX_BYTES, maxElements: MAX_ELEMENTS, maxDepth: 16 };
      for (const bytes of frameAll(input, limits)) {
        const msg = decode(bytes, { extensionCodec: FLUENT_CODEC });
        lines.push(recordsToLines(readForwardMessage(msg, limits).records));
      }
    } catch (err) {
      const reason = msgpackRefusal(err);
      if (reason === undefined) throw err;
      return { ok: false, reason };
    }
    return firstReason(
      lines.flatMap((l) => (l.length ? [parseLines(l)] : [])).flatMap((o) => (o.ok ? [] : [o.reason])),
    );
  },
};

const CONTENT_TYPES = ['application/msgpack', 'application/json', 'application/x-ndjson'];

/** The /v1/fluentbit body handling of the receiver (ingest/http_lines/fluentbit-body.ts), with its default caps. */
export function fluentBitBody(body: Uint8Array, type: string): { lines: Buffer; count: number } {
  return fluentBitLines(decodeBody(body, undefined, MAX_BYTES), type, MAX_ELEMENTS);
}

export const fluentBitHttp: Target = {
  name: 'fluentbit-http',
  inflateCap: MAX_BYTES,
  contract:
    'the /v1/fluentbit body decoding throws only msgpack/JSON/zlib refusals (answered 400); the lines then parse or are rejected with a reason',
  maxLen: 64 * 1024,
  seeds: () => loadSeeds('fluentbit-http'),
  probes: () => msgpackBombs(Uint8Array.of(0)),
  dictionary: [...MSGPACK_TOKENS, hdr(0x00), hdr(0x01), hdr(0x02)],
  generate(rng) {
    const kind = rng.int(3);
    if (kind === 0) {
      const entries = sample(RECORDS, rng).map((r) => [rng.chance(0.5) ? eventTime(rng) : 1765724652, r]);
      return Uint8Array.from([0, ...Buffer.concat(entries.map((e) => encode(e, { extensionCodec: FLUENT_CODEC })))]);
    }
    return Uint8Array.from([kind, ...Buffer.from(JSON.stringify(sample(RECORDS, rng)))]);
  },
  run(input) {
    const type = CONTENT_TYPES[(input[0] ?? 0) % CONTENT_TYPES.length];
    let lines: Buffer;
    try {
      lines = fluentBitBody(input.subarray(1), type).lines;
    } catch (err) {
      const reason = err instanceof SyntaxError ? err.message : msgpackRefusal(err);
      if (reason === undefined) throw err;
      return { ok: false, reason };
    }
    return lines.length ? parseLines(lines) : { ok: true };
  },
};
