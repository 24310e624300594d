/**
 * A compact transferable encoding for records coming back from the worker pool. Structured
 * cloning a batch of records writes every key and every string of every record, and the main
 * thread then rebuilds them property by property. Here each distinct set of keys (a "shape") and
 * each distinct string is sent once per batch; values travel in two typed arrays whose buffers are
 * transferred, not copied; and the main thread builds each object with a function compiled once
 * per shape (an object literal), which is what V8 makes fastest.
 */

const NULL = 0;
const UNDEFINED = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const STRING = 5;
const ARRAY = 6;
const OBJECT = 7;
/** A string still in the bytes it was read from: UTF-8, or bytes shown as lowercase hex (ids). */
const UTF8_REF = 8;
const HEX_REF = 9;

export type RefKind = typeof UTF8_REF | typeof HEX_REF;
export const REF = { utf8: UTF8_REF, hex: HEX_REF } as const;

export interface PackedRecords {
  count: number;
  tags: Uint8Array;
  nums: Float64Array;
  strings: string[];
  shapes: string[][];
  /**
   * Strings not yet made: [source, start, end) triples into `sources` (the request bytes a
   * decoder read from, transferred back with the batch). The receiving thread makes each once,
   * so a string read from the wire is decoded once, on the thread that keeps it, never cloned.
   */
  refs?: Int32Array;
  sources?: Uint8Array[];
}

/** The buffers to transfer with a packed batch (each once: sources may share one). */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([p.tags.buffer as ArrayBuffer, p.nums.buffer as ArrayBuffer]);
  if (p.refs) buffers.add(p.refs.buffer as ArrayBuffer);
  for (const s of p.sources ?? []) buffers.add(s.buffer as ArrayBuffer);
  return [...buffers];
}

/**
 * Writes records into the packed form, whole (`record`) or value by value (`beginRecord`,
 * `beginObject` and the value writers, for a decoder that writes straight from the wire without
 * building the objects first). `finish` hands the result over; the packer is not used after.
 */
export class RecordPacker {
  tags = new Uint8Array(4096);
  nums = new Float64Array(4096);
  n = 0;
  strings: string[] = [];
  stringIndex = new Map<string, number>();
  shapes: string[][] = [];
  shapeIndex = new Map<string, number>();
  /** The shape the previous object of each key count had: most records look like the one before. */
  recent = new Map<number, number>();

  count = 0;
  refs = new Int32Array(3 * 256);
  refCount = 0;
  sources: Uint8Array[] = [];

  push(tag: number, num: number): void {
    if (this.n === this.tags.length) {
      const tags = new Uint8Array(this.n * 2);
      tags.set(this.tags);
      this.tags = tags;
      const nums = new Float64Array(this.n * 2);
      nums.set(this.nums);
      this.nums = nums;
    }
    this.tags[this.n] = tag;
    this.nums[this.n++] = num;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'string': {
        let i = this.stringIndex.get(v);
        if (i === undefined) {
          i = this.strings.push(v) - 1;
          this.stringIndex.set(v, i);
        }
        return this.push(STRING, i);
      }
      case 'number':
        return this.push(NUMBER, v);
      case 'boolean':
        return this.push(v ? TRUE : FALSE, 0);
      case 'undefined':
        return this.push(UNDEFINED, 0);
      case 'object':
        if (v === null) return this.push(NULL, 0);
        if (Array.isArray(v)) {
          this.push(ARRAY, v.length);
          for (const x of v) this.value(x);
          return;
        }
        if (Object.getPrototypeOf(v) !== Object.prototype)
          throw new TypeError(
            `a record value cannot be a ${(v as object).constructor?.name ?? 'null-prototype object'}`,
          );
        return this.object(v as Record<string, unknown>);
      default:
        throw new TypeError(`a record value cannot be a ${typeof v}`);
    }
  }

  /** Per shape, the string last sent for each key and its index: most repeat record after record. */
  lastStrings: unknown[][] = [];
  lastIndexes: number[][] = [];

  object(o: Record<string, unknown>): void {
    const keys = Object.keys(o);
    const shape = this.shapeOf(keys);
    this.push(OBJECT, shape);
    const last = (this.lastStrings[shape] ??= []);
    const lastIndex = (this.lastIndexes[shape] ??= []);
    for (let k = 0; k < keys.length; k++) {
      const v = o[keys[k]];
      if (typeof v !== 'string') this.value(v);
      else if (last[k] === v) this.push(STRING, lastIndex[k]);
      else {
        this.value(v);
        last[k] = v;
        lastIndex[k] = this.nums[this.n - 1];
      }
    }
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

  /** A whole record (a plain JSON-like object: strings, finite numbers, booleans, null, arrays, objects). */
  record(o: object): void {
    this.object(o as Record<string, unknown>);
    this.count++;
  }

  /** Starts a record of `shape` (from `shapeOf`): its values follow, in the shape's key order. */
  beginRecord(shape: number): void {
    this.push(OBJECT, shape);
    this.count++;
  }

  /** Starts a nested object of `shape`: its values follow, in the shape's key order. */
  beginObject(shape: number): void {
    this.push(OBJECT, shape);
  }

  /** Starts an array of `length` values, which follow. */
  beginArray(length: number): void {
    this.push(ARRAY, length);
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
    this.push(STRING, i);
  }

  number(n: number): void {
    this.push(NUMBER, n);
  }

  boolean(b: boolean): void {
    this.push(b ? TRUE : FALSE, 0);
  }

  null(): void {
    this.push(NULL, 0);
  }

  /** Registers bytes that refs point into; returns its index for `addRef`. */
  addSource(data: Uint8Array): number {
    const i = this.sources.indexOf(data);
    return i >= 0 ? i : this.sources.push(data) - 1;
  }

  /** A string still in `sources[source]` between `start` and `end`; returns its index for `refAt`. */
  addRef(source: number, start: number, end: number): number {
    if (3 * this.refCount === this.refs.length) {
      const refs = new Int32Array(this.refs.length * 2);
      refs.set(this.refs);
      this.refs = refs;
    }
    const i = this.refCount++;
    this.refs[3 * i] = source;
    this.refs[3 * i + 1] = start;
    this.refs[3 * i + 2] = end;
    return i;
  }

  /** A ref from `addRef`, as UTF-8 text or as hex. */
  refAt(kind: RefKind, ref: number): void {
    this.push(kind, ref);
  }

  /** Where the packer is, for `rewind`: what a decoder wrote after it can be taken back. */
  mark(): { n: number; count: number } {
    return { n: this.n, count: this.count };
  }

  /** Drops the values written since `mark` (a payload that turned out to be undecodable). */
  rewind(m: { n: number; count: number }): void {
    this.n = m.n;
    this.count = m.count;
    this.lastStrings = [];
    this.lastIndexes = [];
  }

  finish(): PackedRecords {
    const out: PackedRecords = {
      count: this.count,
      tags: this.tags.slice(0, this.n),
      nums: this.nums.slice(0, this.n),
      strings: this.strings,
      shapes: this.shapes,
    };
    if (this.refCount > 0) {
      out.refs = this.refs.slice(0, 3 * this.refCount);
      out.sources = this.sources;
    }
    return out;
  }
}

/** Packs records (plain JSON-like objects: strings, finite numbers, booleans, null, arrays, objects). */
export function packRecords(records: readonly object[]): PackedRecords {
  const p = new RecordPacker();
  for (const r of records) p.record(r);
  return p.finish();
}

/**
 * A shape's key: JSON, so that no two key lists share one (joined with a separator, `[]` and
 * `[""]`, or `["a\0", "b"]` and `["a", "\0b"]`, would, and one would be read with the other's keys).
 */
function shapeId(keys: string[]): string {
  return JSON.stringify(keys);
}

type Build = (read: () => unknown) => Record<string, unknown>;

/** Compiled object builders by shape, shared by every batch (capped: attribute maps can vary a lot). */
const builders = new Map<string, Build>();
const MAX_BUILDERS = 512;
/** Shapes used fewer times than this in a batch are built the generic way, not compiled. */
const COMPILE_AFTER = 16;

function compile(keys: string[]): Build | undefined {
  const id = shapeId(keys);
  let b = builders.get(id);
  if (b) return b;
  // An object literal cannot set an own "__proto__" key (it sets the prototype): generic path.
  if (keys.includes('__proto__') || builders.size >= MAX_BUILDERS) return undefined;
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: read()`).join(',')}};`;
  b = new Function('read', body) as Build;
  builders.set(id, b);
  return b;
}

declare module 'node:buffer' {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    hexSlice(start: number, end: number): string;
  }
}

/** The strings of `p.refs`, each made the first time it is read (as text and as hex apart). */
function refReader(p: PackedRecords): (kind: number, ref: number) => string {
  const refs = p.refs!;
  const sources = p.sources!.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
  const text: Array<string | undefined> = new Array<string | undefined>(refs.length / 3);
  const hex: Array<string | undefined> = new Array<string | undefined>(refs.length / 3);
  return (kind, ref) => {
    const made = kind === UTF8_REF ? text : hex;
    let s = made[ref];
    if (s === undefined) {
      const src = sources[refs[3 * ref]];
      s =
        kind === UTF8_REF
          ? src.utf8Slice(refs[3 * ref + 1], refs[3 * ref + 2])
          : src.hexSlice(refs[3 * ref + 1], refs[3 * ref + 2]);
      made[ref] = s;
    }
    return s;
  };
}

/** Unpacks what `packRecords` or a `RecordPacker` made, in order. */
export function unpackRecords<T>(p: PackedRecords): T[] {
  const { tags, nums, strings, shapes } = p;
  const ref = p.refs ? refReader(p) : undefined;
  const uses = new Uint32Array(shapes.length);
  for (let i = 0; i < tags.length; i++) if (tags[i] === OBJECT) uses[nums[i]]++;
  const build: Array<Build | undefined> = shapes.map((keys, s) =>
    uses[s] >= COMPILE_AFTER || builders.has(shapeId(keys)) ? compile(keys) : undefined,
  );
  let i = 0;
  const read = (): unknown => {
    const tag = tags[i];
    const num = nums[i++];
    switch (tag) {
      case STRING:
        return strings[num];
      case NUMBER:
        return num;
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case UNDEFINED:
        return undefined;
      case UTF8_REF:
      case HEX_REF:
        if (ref) return ref(tag, num);
        break;
      case ARRAY: {
        const a = new Array<unknown>(num);
        for (let k = 0; k < num; k++) a[k] = read();
        return a;
      }
      case OBJECT: {
        const b = build[num];
        if (b) return b(read);
        const o: Record<string, unknown> = {};
        for (const k of shapes[num]) {
          // An own "__proto__" key (JSON.parse makes one) must stay a key, not become the prototype.
          if (k === '__proto__')
            Object.defineProperty(o, k, { value: read(), enumerable: true, writable: true, configurable: true });
          else o[k] = read();
        }
        return o;
      }
    }
    throw new Error(`corrupt packed records: tag ${tag} at ${i - 1}`);
  };
  const out = new Array<T>(p.count);
  for (let r = 0; r < p.count; r++) out[r] = read() as T;
  return out;
}
