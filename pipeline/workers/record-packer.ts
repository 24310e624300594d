import { REF_REGION, shapeId, TAG, TEXT_CHUNK_BYTES, type PackedRecords, type RefKind } from './record-format.ts';

/** Growable arrays a packer writes into; given back on `finish` for the next packer of this thread. */
interface Scratch {
  tags: Uint8Array;
  nums: Int32Array;
  floats: Float64Array;
  /** [start, end) pairs into the region of the ref's kind. */
  refs: Int32Array;
  /** The bytes of the refs, by kind (REF_REGION), copied as each ref is added (still in cache then). */
  regions: [Uint8Array, Uint8Array, Uint8Array];
}

const spare: Scratch[] = [];
/** A scratch grown past these (one huge batch) is dropped, not kept for the next. */
const MAX_KEPT_VALUES = 1 << 20;
const MAX_KEPT_BLOB_BYTES = 16 << 20;
/** Strings remembered per key of a shape: the Istio bench cycles four kinds of hop. */
const WINDOW = 4;

type Mark = { n: number; count: number; floats: number; refs: number; lengths: number[]; nonAscii: number };

function grown<T extends Uint8Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T {
  const a = make(old.length * 2);
  a.set(old as never);
  return a;
}

/**
 * Writes records into the packed form, whole (`record`) or value by value (`beginRecord`,
 * `beginObject` and the value writers, for a decoder that writes straight from the wire without
 * building the objects first). `finish` hands the result over in one exactly sized buffer; the
 * packer is not used after it.
 */
export class RecordPacker {
  #s: Scratch;
  n = 0;
  floatCount = 0;
  refCount = 0;
  /** Bytes used of each region. */
  lengths = [0, 0, 0];
  /** Text chunks (TEXT_CHUNK_BYTES) where some ref starts whose bytes are not all ASCII. */
  nonAsciiChunks: number[] = [];
  count = 0;
  strings: string[] = [];
  stringIndex = new Map<string, number>();
  shapes: string[][] = [];
  shapeIndex = new Map<string, number>();
  /** The shape the previous object of each key count had: most records look like the one before. */
  recent = new Map<number, number>();
  sources: Uint8Array[] = [];
  /** Per shape, the string last sent for each key and its index: most repeat record after record. */
  lastStrings: unknown[][] = [];
  lastIndexes: number[][] = [];
  /** The shape of the record before: most records have the same keys, in the same order. */
  recordShape = -1;
  /** Scratch for the values of a record read by `#valuesAs`; read before the next record is. */
  #values: unknown[] = [];

  constructor() {
    this.#s = spare.pop() ?? {
      tags: new Uint8Array(4096),
      nums: new Int32Array(4096),
      floats: new Float64Array(256),
      refs: new Int32Array(2 * 1024),
      regions: [new Uint8Array(32 * 1024), new Uint8Array(16 * 1024), new Uint8Array(8 * 1024)],
    };
  }

  push(tag: number, num: number): void {
    const s = this.#s;
    if (this.n === s.tags.length) {
      s.tags = grown(s.tags, (n) => new Uint8Array(n));
      s.nums = grown(s.nums, (n) => new Int32Array(n));
    }
    s.tags[this.n] = tag;
    s.nums[this.n++] = num;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        return this.push(TAG.STRING, this.intern(v));
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.push(v ? TAG.TRUE : TAG.FALSE, 0);
      case 'undefined':
        return this.push(TAG.UNDEFINED, 0);
      case 'object':
        if (v === null) return this.push(TAG.NULL, 0);
        if (Array.isArray(v)) {
          this.push(TAG.ARRAY, v.length);
          for (const x of v) this.value(x);
          return;
        }
        if (Object.getPrototypeOf(v) !== Object.prototype)
          throw new TypeError(
            `a record value cannot be a ${(v as object).constructor?.name ?? 'null-prototype object'}`,
          );
        this.object(v as Record<string, unknown>);
        return;
      default:
        throw new TypeError(`a record value cannot be a ${typeof v}`);
    }
  }

  /** Room for `count` more values without growing. */
  reserve(count: number): void {
    const s = this.#s;
    while (this.n + count > s.tags.length) {
      s.tags = grown(s.tags, (n) => new Uint8Array(n));
      s.nums = grown(s.nums, (n) => new Int32Array(n));
    }
  }

  /**
   * The values of `o` when its keys are exactly those of `shape`, in order; undefined otherwise.
   * A for-in loop reads `o[k]` by the enum cache's field index, with no key arrays made. For-in
   * also gives enumerable inherited keys, but after all own ones, so when the last key it gave is
   * an own key, every key it gave was.
   */
  #valuesAs(o: Record<string, unknown>, shape: number): unknown[] | undefined {
    const keys = this.shapes[shape];
    const values = this.#values;
    let j = 0;
    for (const k in o) {
      if (k !== keys[j]) return undefined;
      values[j++] = o[k];
    }
    if (j !== keys.length || (j > 0 && !Object.hasOwn(o, keys[j - 1]))) return undefined;
    return values;
  }

  /** Writes `o` (its values, in key order, under its shape); returns the shape. */
  object(o: Record<string, unknown>, guess = -1): number {
    let values = guess >= 0 ? this.#valuesAs(o, guess) : undefined;
    let shape = guess;
    if (values === undefined) {
      const keys = Object.keys(o);
      // The values in the same order, in one native call: `o[keys[k]]` is a lookup by a different
      // name each time (a megamorphic load): the parse worker went from 8.5 to 7.8 µs per Istio line.
      values = Object.values(o);
      shape = this.shapeOf(keys);
    }
    const count = this.shapes[shape].length;
    const last = (this.lastStrings[shape] ??= new Array<unknown>(WINDOW * count));
    const lastIndex = (this.lastIndexes[shape] ??= new Array<number>(WINDOW * count).fill(0));
    // The common values (strings, int32s, nulls) are written here, in place, with room made once.
    this.reserve(count + 1);
    let { tags, nums } = this.#s;
    let n = this.n;
    tags[n] = TAG.OBJECT;
    nums[n++] = shape;
    for (let k = 0; k < count; k++) {
      const v = values[k];
      if (typeof v === 'string') {
        const w = WINDOW * k;
        let i: number;
        if (last[w] === v) i = lastIndex[w];
        else if (last[w + 1] === v) i = lastIndex[w + 1];
        else if (last[w + 2] === v) i = lastIndex[w + 2];
        else if (last[w + 3] === v) i = lastIndex[w + 3];
        else {
          i = this.intern(v);
          // The oldest of the window makes way (the window moves down one).
          last[w + 3] = last[w + 2];
          lastIndex[w + 3] = lastIndex[w + 2];
          last[w + 2] = last[w + 1];
          lastIndex[w + 2] = lastIndex[w + 1];
          last[w + 1] = last[w];
          lastIndex[w + 1] = lastIndex[w];
          last[w] = v;
          lastIndex[w] = i;
        }
        tags[n] = TAG.STRING;
        nums[n++] = i;
      } else if (typeof v === 'number' && (v | 0) === v && (v !== 0 || 1 / v > 0)) {
        tags[n] = TAG.INT;
        nums[n++] = v;
      } else if (v === null) {
        tags[n] = TAG.NULL;
        nums[n++] = 0;
      } else {
        this.n = n;
        this.value(v);
        // A nested value may have grown the arrays.
        this.reserve(count - k);
        ({ tags, nums } = this.#s);
        n = this.n;
      }
    }
    this.n = n;
    return shape;
  }

  shapeOf(keys: string[]): number {
    const guess = this.recent.get(keys.length);
    if (guess !== undefined) {
      const shape = this.shapes[guess];
      let same = true;
      for (let i = 0; i < keys.length; i++) {
        if (shape[i] !== keys[i]) {
          same = false;
          break;
        }
      }
      if (same) return guess;
    }
    const id = shapeId(keys);
    let s = this.shapeIndex.get(id);
    if (s === undefined) {
      s = this.shapes.push(keys) - 1;
      this.shapeIndex.set(id, s);
    }
    this.recent.set(keys.length, s);
    return s;
  }

  /** A whole record (a plain JSON-like object: strings, numbers, booleans, null, arrays, objects). */
  record(o: object): void {
    this.recordShape = this.object(o as Record<string, unknown>, this.recordShape);
    this.count++;
  }

  /** Starts a record of `shape` (from `shapeOf`): its values follow, in the shape's key order. */
  beginRecord(shape: number): void {
    this.push(TAG.OBJECT, shape);
    this.count++;
  }

  /** Starts a nested object of `shape`: its values follow, in the shape's key order. */
  beginObject(shape: number): void {
    this.push(TAG.OBJECT, shape);
  }

  /** Starts an array of `length` values, which follow. */
  beginArray(length: number): void {
    this.push(TAG.ARRAY, length);
  }

  /** Adds a string to the table without looking for it first (one known to be new); returns its index. */
  addString(s: string): number {
    return this.strings.push(s) - 1;
  }

  /** The index of a string in the table, added if it is not there yet. */
  intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.stringIndex.set(s, i);
    }
    return i;
  }

  /** A string of the table, by index. */
  stringAt(i: number): void {
    this.push(TAG.STRING, i);
  }

  number(v: number): void {
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return this.push(TAG.INT, v);
    const s = this.#s;
    if (this.floatCount === s.floats.length) s.floats = grown(s.floats, (n) => new Float64Array(n));
    s.floats[this.floatCount] = v;
    this.push(TAG.FLOAT, this.floatCount++);
  }

  boolean(b: boolean): void {
    this.push(b ? TAG.TRUE : TAG.FALSE, 0);
  }

  null(): void {
    this.push(TAG.NULL, 0);
  }

  /** Registers bytes that refs point into; returns its index for `addRef`. */
  addSource(data: Uint8Array): number {
    const i = this.sources.indexOf(data);
    return i >= 0 ? i : this.sources.push(data) - 1;
  }

  /**
   * Bytes of `sources[source]` between `start` and `end`, for a string read as `kind` (always as
   * that kind: its bytes go to that kind's region); returns its index for `refAt`.
   */
  addRef(kind: RefKind, source: number, start: number, end: number): number {
    const s = this.#s;
    if (2 * this.refCount === s.refs.length) s.refs = grown(s.refs, (n) => new Int32Array(n));
    const r = REF_REGION[kind];
    const len = end - start;
    const at = this.lengths[r];
    while (at + len > s.regions[r].length) s.regions[r] = grown(s.regions[r], (n) => new Uint8Array(n));
    const region = s.regions[r];
    const src = this.sources[source];
    let bits = 0;
    // Short strings (ids, values) byte by byte: a subarray per string would cost more.
    if (len > 64) {
      region.set(src.subarray(start, end), at);
      if (kind === TAG.UTF8_REF) for (let k = start; k < end; k++) bits |= src[k];
    } else
      for (let k = 0; k < len; k++) {
        const b = src[start + k];
        region[at + k] = b;
        bits |= b;
      }
    if (kind === TAG.UTF8_REF && bits >= 0x80) {
      const chunk = Math.floor(at / TEXT_CHUNK_BYTES);
      if (this.nonAsciiChunks[this.nonAsciiChunks.length - 1] !== chunk) this.nonAsciiChunks.push(chunk);
    }
    this.lengths[r] = at + len;
    const i = this.refCount++;
    s.refs[2 * i] = at;
    s.refs[2 * i + 1] = at + len;
    return i;
  }

  /** A ref from `addRef`, as UTF-8 text, as hex or as a decimal fixed64. */
  refAt(kind: RefKind, ref: number): void {
    this.push(kind, ref);
  }

  /** Where the packer is, for `rewind`: what a decoder wrote after it can be taken back. */
  mark(): Mark {
    return {
      n: this.n,
      count: this.count,
      floats: this.floatCount,
      refs: this.refCount,
      lengths: [...this.lengths],
      nonAscii: this.nonAsciiChunks.length,
    };
  }

  /** Drops the values written since `mark` (a payload that turned out to be undecodable). */
  rewind(m: Mark): void {
    this.n = m.n;
    this.count = m.count;
    this.floatCount = m.floats;
    this.refCount = m.refs;
    this.lengths = [...m.lengths];
    this.nonAsciiChunks.length = m.nonAscii;
  }

  /** Gives the scratch arrays back for the next packer, when nothing is to be finished (nothing was written). */
  release(): void {
    spare.push(this.#s);
  }

  /** The packed batch: its typed arrays in one buffer of the exact size. */
  finish(): PackedRecords {
    const s = this.#s;
    const n = this.n;
    const [textBytes, hexBytes, u64Bytes] = this.lengths;
    const numsAt = 8 * this.floatCount;
    const refsAt = numsAt + 4 * n;
    const tagsAt = refsAt + 8 * this.refCount;
    const blobAt = tagsAt + n;
    const buffer = new ArrayBuffer(blobAt + textBytes + hexBytes + u64Bytes);
    const out: PackedRecords = {
      count: this.count,
      floats: new Float64Array(buffer, 0, this.floatCount),
      nums: new Int32Array(buffer, numsAt, n),
      refs: new Int32Array(buffer, refsAt, 2 * this.refCount),
      tags: new Uint8Array(buffer, tagsAt, n),
      blob: new Uint8Array(buffer, blobAt, textBytes + hexBytes + u64Bytes),
      textBytes,
      hexBytes,
      nonAsciiChunks: this.nonAsciiChunks,
      strings: this.strings,
      shapes: this.shapes,
    };
    out.floats.set(s.floats.subarray(0, this.floatCount));
    out.nums.set(s.nums.subarray(0, n));
    out.refs.set(s.refs.subarray(0, 2 * this.refCount));
    out.tags.set(s.tags.subarray(0, n));
    out.blob.set(s.regions[0].subarray(0, textBytes));
    out.blob.set(s.regions[1].subarray(0, hexBytes), textBytes);
    out.blob.set(s.regions[2].subarray(0, u64Bytes), textBytes + hexBytes);
    const kept = s.tags.length <= MAX_KEPT_VALUES && s.regions.every((r) => r.length <= MAX_KEPT_BLOB_BYTES);
    if (kept) spare.push(s);
    this.sources = [];
    return out;
  }
}

/** Packs records (plain JSON-like objects: strings, numbers, booleans, null, arrays, objects). */
export function packRecords(records: readonly object[]): PackedRecords {
  const p = new RecordPacker();
  for (const r of records) p.record(r);
  return p.finish();
}
