import type { Rng } from './rng.ts';

const enc = new TextEncoder();

/** Bytes that change how text and binary decoders branch: quotes, brackets, separators, sign bits. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0a, 0x0d, 0x09, 0x20, 0x22, 0x25, 0x2c, 0x2d, 0x3a, 0x5b, 0x5d, 0x5c, 0x7b,
  0x7d, 0x7c, 0xc0, 0xdd, 0xdf,
];

/** Numbers as text that break parsers: overflow, negative, NaN, exponent, float where an int goes. */
const INTERESTING_NUMBERS = [
  '0',
  '-1',
  '-0',
  '1e309',
  'NaN',
  'Infinity',
  '4294967296',
  '9007199254740993',
  '99999999999999999999999',
  '-9223372036854775808',
  '18446744073709551616',
  '1.5',
  '0x10',
  '',
].map((s) => enc.encode(s));

/** Binary integers: protobuf varints with huge values, msgpack/big-endian lengths near 2^32. */
const INTERESTING_BINARY = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff],
  [0x7f, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00],
  [0x00, 0x00, 0x00, 0x00],
  [0xff, 0xff],
].map((b) => Uint8Array.from(b));

export interface MutateOptions {
  /** Inputs never grow past this many bytes. */
  maxLen: number;
  /** Target-specific tokens (format operators, JSON keys, msgpack headers, protobuf tags). */
  dictionary: Uint8Array[];
  /** Other inputs to splice with. */
  corpus: readonly Uint8Array[];
}

type Op = (rng: Rng, b: Uint8Array, o: MutateOptions) => Uint8Array;

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Replaces b[from, to) with `piece`. */
function splice(b: Uint8Array, from: number, to: number, piece: Uint8Array): Uint8Array {
  return concat(b.subarray(0, from), piece, b.subarray(to));
}

function span(rng: Rng, b: Uint8Array): [number, number] {
  const from = rng.int(b.length + 1);
  return [from, Math.min(b.length, from + rng.size(Math.max(1, b.length - from)))];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.chance(0.5) ? rng.int(256) : rng.range(0x20, 0x7e);
  return out;
}

const OPS: Op[] = [
  // flip one bit
  (rng, b) => {
    if (!b.length) return b;
    const c = b.slice();
    c[rng.int(c.length)] ^= 1 << rng.int(8);
    return c;
  },
  // set a byte to one that matters
  (rng, b) => {
    if (!b.length) return b;
    const c = b.slice();
    c[rng.int(c.length)] = rng.pick(INTERESTING_BYTES);
    return c;
  },
  // insert random bytes
  (rng, b) => splice(b, rng.int(b.length + 1), 0, randomBytes(rng, 1 + rng.size(16))),
  // delete a range
  (rng, b) => {
    const [from, to] = span(rng, b);
    return splice(b, from, to, new Uint8Array(0));
  },
  // copy a range elsewhere
  (rng, b) => {
    const [from, to] = span(rng, b);
    return splice(b, rng.int(b.length + 1), 0, b.slice(from, to));
  },
  // insert a dictionary token
  (rng, b, o) => (o.dictionary.length ? splice(b, rng.int(b.length + 1), 0, rng.pick(o.dictionary)) : b),
  // replace a range with a dictionary token
  (rng, b, o) => {
    if (!o.dictionary.length) return b;
    const [from, to] = span(rng, b);
    return splice(b, from, to, rng.pick(o.dictionary));
  },
  // splice with another corpus entry: our head, its tail
  (rng, b, o) => {
    if (!o.corpus.length) return b;
    const other = rng.pick(o.corpus);
    return concat(b.subarray(0, rng.int(b.length + 1)), other.subarray(rng.int(other.length + 1)));
  },
  // truncate
  (rng, b) => b.subarray(0, rng.int(b.length + 1)),
  // repeat a short range many times: long tokens, deep nesting, many fields
  (rng, b, o) => {
    const from = rng.int(b.length + 1);
    const piece = b.subarray(from, from + 1 + rng.int(8));
    if (!piece.length) return b;
    const times = 2 + rng.size(Math.max(2, Math.floor(o.maxLen / 4 / piece.length)));
    const rep = new Uint8Array(piece.length * times);
    for (let i = 0; i < times; i++) rep.set(piece, i * piece.length);
    return splice(b, from, from, rep);
  },
  // replace a run of ASCII digits by a number that breaks parsers
  (rng, b) => {
    const at = rng.int(b.length + 1);
    let from = at;
    while (from < b.length && !(b[from] >= 0x30 && b[from] <= 0x39)) from++;
    if (from >= b.length) return b;
    let to = from;
    while (to < b.length && b[to] >= 0x30 && b[to] <= 0x39) to++;
    return splice(b, from, to, rng.pick(INTERESTING_NUMBERS));
  },
  // overwrite with a binary integer (varint, 32-bit length)
  (rng, b) => {
    const v = rng.pick(INTERESTING_BINARY);
    const at = rng.int(b.length + 1);
    return splice(b, at, Math.min(b.length, at + (rng.chance(0.5) ? v.length : 0)), v);
  },
];

/** Applies 1–8 stacked mutations to a copy of `input`, keeping it within `maxLen`. */
export function mutate(rng: Rng, input: Uint8Array, o: MutateOptions): Uint8Array {
  let b = input;
  const n = 1 + rng.size(7);
  for (let i = 0; i < n; i++) {
    b = rng.pick(OPS)(rng, b, o);
    if (b.length > o.maxLen) b = b.subarray(0, o.maxLen);
  }
  return b === input ? input.slice() : b;
}

export function tokens(...words: string[]): Uint8Array[] {
  return words.map((w) => enc.encode(w));
}
