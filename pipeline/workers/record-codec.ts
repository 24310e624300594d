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

export interface PackedRecords {
  count: number;
  tags: Uint8Array;
  nums: Float64Array;
  strings: string[];
  shapes: string[][];
}

/** The buffers to transfer with a packed batch. */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  return [p.tags.buffer as ArrayBuffer, p.nums.buffer as ArrayBuffer];
}

class Packer {
  tags = new Uint8Array(4096);
  nums = new Float64Array(4096);
  n = 0;
  strings: string[] = [];
  stringIndex = new Map<string, number>();
  shapes: string[][] = [];
  shapeIndex = new Map<string, number>();
  /** The shape the previous object of each key count had: most records look like the one before. */
  recent = new Map<number, number>();

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
    const id = keys.join('\u0000');
    let s = this.shapeIndex.get(id);
    if (s === undefined) {
      s = this.shapes.push(keys) - 1;
      this.shapeIndex.set(id, s);
    }
    this.recent.set(keys.length, s);
    return s;
  }
}

/** Packs records (plain JSON-like objects: strings, finite numbers, booleans, null, arrays, objects). */
export function packRecords(records: readonly object[]): PackedRecords {
  const p = new Packer();
  for (const r of records) p.object(r as Record<string, unknown>);
  return {
    count: records.length,
    tags: p.tags.slice(0, p.n),
    nums: p.nums.slice(0, p.n),
    strings: p.strings,
    shapes: p.shapes,
  };
}

type Build = (read: () => unknown) => Record<string, unknown>;

/** Compiled object builders by shape, shared by every batch (capped: attribute maps can vary a lot). */
const builders = new Map<string, Build>();
const MAX_BUILDERS = 512;
/** Shapes used fewer times than this in a batch are built the generic way, not compiled. */
const COMPILE_AFTER = 16;

function compile(keys: string[]): Build | undefined {
  const id = keys.join('\u0000');
  let b = builders.get(id);
  if (b) return b;
  // An object literal cannot set an own "__proto__" key (it sets the prototype): generic path.
  if (keys.includes('__proto__') || builders.size >= MAX_BUILDERS) return undefined;
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: read()`).join(',')}};`;
  b = new Function('read', body) as Build;
  builders.set(id, b);
  return b;
}

/** Unpacks what `packRecords` made, in order. */
export function unpackRecords<T>(p: PackedRecords): T[] {
  const { tags, nums, strings, shapes } = p;
  const uses = new Uint32Array(shapes.length);
  for (let i = 0; i < tags.length; i++) if (tags[i] === OBJECT) uses[nums[i]]++;
  const build: Array<Build | undefined> = shapes.map((keys, s) =>
    uses[s] >= COMPILE_AFTER || builders.has(keys.join('\u0000')) ? compile(keys) : undefined,
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
      default:
        throw new Error(`corrupt packed records: tag ${tag} at ${i - 1}`);
    }
  };
  const out = new Array<T>(p.count);
  for (let r = 0; r < p.count; r++) out[r] = read() as T;
  return out;
}
