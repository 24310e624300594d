import { shapeId, TAG, TEXT_CHUNK_BYTES, TEXT_CHUNK_SLACK_BYTES, type PackedRecords } from './record-format.ts';

type Build = (r: Reader) => Record<string, unknown>;

/** Compiled object builders by shape, shared by every batch (capped: attribute maps can vary a lot). */
const builders = new Map<string, Build>();
const MAX_BUILDERS = 512;
/** Shapes used fewer times than this in a batch are built the generic way, not compiled. */
const COMPILE_AFTER = 16;

/**
 * One value in a builder: strings, int32s, nulls, refs, compiled objects and empty arrays read in
 * place, anything else by `Reader.value`. The position is the local `i` (a register), stored to
 * `r.i` only around a call that reads on from it (nested values move it on) and once at the end.
 */
const INLINE_VALUE =
  `(t = tags[i], t === ${TAG.STRING} ? strings[nums[i++]] : ` +
  `t === ${TAG.INT} ? nums[i++] : t === ${TAG.NULL} ? (i++, null) : ` +
  `t >= ${TAG.UTF8_REF} && t <= ${TAG.U64_REF} ? (v = made[nums[i]] ?? ((r.i = i + 1), r.make(t, nums[i])), i++, v) : ` +
  `t === ${TAG.OBJECT} && build[nums[i]] !== undefined ? (r.i = i + 1, v = build[nums[i]](r), i = r.i, v) : ` +
  `t === ${TAG.ARRAY} && nums[i] === 0 ? (i++, []) : (r.i = i, v = r.value(), i = r.i, v))`;

/** An object literal per shape, which is what V8 builds fastest. */
function compile(keys: string[]): Build | undefined {
  const id = shapeId(keys);
  let b = builders.get(id);
  if (b) return b;
  // An object literal cannot set an own "__proto__" key (it sets the prototype): generic path.
  if (keys.includes('__proto__') || builders.size >= MAX_BUILDERS) return undefined;
  const body =
    `const tags = r.tags, nums = r.nums, strings = r.strings, made = r.made, build = r.build; let i = r.i, t, v;\n` +
    `const o = {${keys.map((k) => `${JSON.stringify(k)}: ${INLINE_VALUE}`).join(',\n')}};\n` +
    `r.i = i;\nreturn o;`;
  b = new Function('r', body) as Build;
  builders.set(id, b);
  return b;
}

declare module 'node:buffer' {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    hexSlice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
  }
}

/**
 * How many objects of each shape a batch holds. A function of its own: a hot loop with colder code
 * after it gets on-stack-replaced, and V8 then re-entered that OSR code and deoptimized past the
 * loop on every batch.
 */
function shapeUses(tags: Uint8Array, nums: Int32Array, shapes: number): Uint32Array {
  const uses = new Uint32Array(shapes);
  for (let i = 0; i < tags.length; i++) if (tags[i] === TAG.OBJECT) uses[nums[i]]++;
  return uses;
}

/** The compiled builder of each shape of a batch, where it is used often enough (or was compiled before). */
function builds(p: PackedRecords): Array<Build | undefined> {
  const shapes = p.shapes;
  const uses = shapeUses(p.tags, p.nums, shapes.length);
  const out = new Array<Build | undefined>(shapes.length);
  for (let s = 0; s < shapes.length; s++) {
    out[s] = uses[s] >= COMPILE_AFTER || builders.has(shapeId(shapes[s])) ? compile(shapes[s]) : undefined;
  }
  return out;
}

/** Reads a packed batch value by value; compiled builders read the common values in place. */
export class Reader {
  i = 0;
  readonly tags: Uint8Array;
  readonly nums: Int32Array;
  readonly floats: Float64Array;
  readonly strings: string[];
  readonly shapes: string[][];
  readonly build: Array<Build | undefined>;
  readonly refs: Int32Array;
  readonly blob: Buffer;
  readonly textBytes: number;
  readonly hexBytes: number;
  readonly nonAscii: Set<number> | undefined;
  /** Strings made from refs, each the first time it is read (a ref is read as one kind only). */
  readonly made: Array<string | undefined>;
  /** The text and hex regions' chunks as strings, made when a ref in them is first read. */
  readonly textChunks: Array<string | undefined> = [];
  readonly hexChunks: Array<string | undefined> = [];

  constructor(p: PackedRecords) {
    this.tags = p.tags;
    this.nums = p.nums;
    this.floats = p.floats;
    this.strings = p.strings;
    this.shapes = p.shapes;
    this.build = builds(p);
    this.refs = p.refs;
    this.blob = Buffer.from(p.blob.buffer, p.blob.byteOffset, p.blob.byteLength);
    this.textBytes = p.textBytes;
    this.hexBytes = p.hexBytes;
    this.nonAscii = p.nonAsciiChunks.length > 0 ? new Set(p.nonAsciiChunks) : undefined;
    this.made = new Array<string | undefined>(p.refs.length / 2);
  }

  value(): unknown {
    const tag = this.tags[this.i];
    const num = this.nums[this.i++];
    switch (tag) {
      case TAG.STRING:
        return this.strings[num];
      case TAG.INT:
        return num;
      case TAG.FLOAT:
        return this.floats[num];
      case TAG.NULL:
        return null;
      case TAG.TRUE:
        return true;
      case TAG.FALSE:
        return false;
      case TAG.UNDEFINED:
        return undefined;
      case TAG.UTF8_REF:
      case TAG.HEX_REF:
      case TAG.U64_REF:
        return this.made[num] ?? this.make(tag, num);
      case TAG.ARRAY: {
        const a = new Array<unknown>(num);
        for (let k = 0; k < num; k++) a[k] = this.value();
        return a;
      }
      case TAG.OBJECT: {
        const b = this.build[num];
        if (b) return b(this);
        const o: Record<string, unknown> = {};
        for (const k of this.shapes[num]) {
          // An own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
          if (k === '__proto__')
            Object.defineProperty(o, k, { value: this.value(), enumerable: true, writable: true, configurable: true });
          else o[k] = this.value();
        }
        return o;
      }
    }
    throw new Error(`corrupt packed records: tag ${tag} at ${this.i - 1}`);
  }

  /** The string of ref `ref` read as `tag`, made now (it was not read before). */
  make(tag: number, ref: number): string {
    if (ref >= this.refs.length / 2) throw new Error(`corrupt packed records: ref ${ref} at ${this.i - 1}`);
    const start = this.refs[2 * ref];
    const end = this.refs[2 * ref + 1];
    const s =
      tag === TAG.UTF8_REF
        ? this.#text(start, end)
        : tag === TAG.HEX_REF
          ? this.#hex(start, end)
          : u64Decimal(this.blob, this.textBytes + this.hexBytes + start);
    this.made[ref] = s;
    return s;
  }

  /** UTF-8 text at [start, end) of the text region: a slice of its chunk's string when that is plain ASCII. */
  #text(start: number, end: number): string {
    const chunk = Math.floor(start / TEXT_CHUNK_BYTES);
    if (end - start > TEXT_CHUNK_SLACK_BYTES || this.nonAscii?.has(chunk)) return this.blob.utf8Slice(start, end);
    const at = chunk * TEXT_CHUNK_BYTES;
    const text = (this.textChunks[chunk] ??= this.blob.latin1Slice(
      at,
      Math.min(this.textBytes, at + TEXT_CHUNK_BYTES + TEXT_CHUNK_SLACK_BYTES),
    ));
    return text.slice(start - at, end - at);
  }

  /** The bytes at [start, end) of the hex region as lowercase hex: a slice of its chunk's hex string. */
  #hex(start: number, end: number): string {
    const h = this.textBytes;
    if (end - start > TEXT_CHUNK_SLACK_BYTES) return this.blob.hexSlice(h + start, h + end);
    const chunk = Math.floor(start / TEXT_CHUNK_BYTES);
    const at = chunk * TEXT_CHUNK_BYTES;
    const hex = (this.hexChunks[chunk] ??= this.blob.hexSlice(
      h + at,
      h + Math.min(this.hexBytes, at + TEXT_CHUNK_BYTES + TEXT_CHUNK_SLACK_BYTES),
    ));
    return hex.slice(2 * (start - at), 2 * (end - at));
  }
}

const ZEROS = ['', '0', '00', '000', '0000', '00000'];

/**
 * The unsigned 64-bit little-endian integer at `at` in decimal, as BigInt's toString gives it,
 * without BigInts (two of them, and their garbage, per span). Below 2^53 a double holds it;
 * above, 2^32 = 4294 * 1e6 + 967296 splits it into millions and the rest, each exact in a double.
 */
export function u64Decimal(b: Uint8Array, at: number): string {
  const lo = b[at] + b[at + 1] * 0x100 + b[at + 2] * 0x10000 + b[at + 3] * 0x1000000;
  const hi = b[at + 4] + b[at + 5] * 0x100 + b[at + 6] * 0x10000 + b[at + 7] * 0x1000000;
  if (hi < 0x200000) return String(hi * 0x100000000 + lo);
  const x = hi * 967296 + lo;
  const units = x % 1e6;
  const millions = hi * 4294 + (x - units) / 1e6;
  const tail = String(units);
  return `${millions}${ZEROS[6 - tail.length]}${tail}`;
}

/** Unpacks what `packRecords` or a `RecordPacker` made, in order. */
export function unpackRecords<T>(p: PackedRecords): T[] {
  const r = new Reader(p);
  const out = new Array<T>(p.count);
  for (let k = 0; k < p.count; k++) out[k] = r.value() as T;
  return out;
}
