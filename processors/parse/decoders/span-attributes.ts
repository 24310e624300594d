import { REF, type RecordPacker } from '../../../pipeline/workers/record-codec.ts';
import { wireArray, wireAttributes, type Wire } from './values.ts';

/** Value kinds of one attribute as read. */
const V_NULL = 0;
const V_REF = 1;
const V_STR = 2;
const V_NUM = 3;
const V_TRUE = 4;
const V_FALSE = 5;

/** The attributes `spanRecord` reads, by the index used for them here. */
export const SPECIAL = [
  'guid:x-request-id',
  'http.request.header.x_request_id',
  'http.request.header.x-request-id',
  'http.status_code',
  'http.response.status_code',
  'upstream_cluster',
  'upstream_cluster.name',
  'response_flags',
  'node_id',
  'istio.namespace',
] as const;
export const S = Object.fromEntries(SPECIAL.map((k, i) => [k, i])) as Record<(typeof SPECIAL)[number], number>;
const SPECIAL_INDEX = new Map<string, number>(SPECIAL.map((k, i) => [k, i]));

/** Slots of `Wire.cachedString` (attribute keys) and of the writer's refs (values): 2 + 2n, 3 + 2n. */
export const SLOTS = 256;

/** How a span's attributes map to its `attributes` object; the same for span after span of one proxy. */
export interface Layout {
  keys: string[];
  nulls: Uint8Array;
  shape: number;
  /** For each key of the object, the attribute whose value it takes (the last non-null one). */
  from: number[];
  /** For each SPECIAL key (`S`), the attribute whose value `spanRecord` reads, or -1. */
  special: Int32Array;
}

/**
 * The attributes of the span being read, kept as read from the wire (key, value kind, value or
 * ref) in arrays reused span after span. A KeyValue with the same bytes as the last span's at the
 * same place is not read again: what was read from those bytes then still stands at that index.
 */
export class SpanAttributes {
  readonly #w: Wire;
  /** The ref of a string value at [start, end), shared with the last one at `slot` when its bytes are. */
  readonly #ref: (slot: number, start: number, end: number) => number;
  n = 0;
  keys: string[] = [];
  vtag = new Uint8Array(64);
  vnum = new Float64Array(64);
  vstr: string[] = [];
  vstart = new Int32Array(64);
  vend = new Int32Array(64);
  /** Where the last span's n-th KeyValue lay, to see whether this span's is the same bytes. */
  kvStart = new Int32Array(64);
  kvLen = new Int32Array(64).fill(-1);
  #layout: Layout | undefined;
  /** A SPECIAL attribute's text, by the ref it was made from, so a repeated value is made once. */
  readonly #textRef = new Int32Array(SPECIAL.length).fill(-1);
  readonly #text: Array<string | null> = new Array<string | null>(SPECIAL.length).fill(null);

  constructor(w: Wire, ref: (slot: number, start: number, end: number) => number) {
    this.#w = w;
    this.#ref = ref;
  }

  /** One KeyValue (the cursor limited to it), the span's next attribute. */
  read(): void {
    const w = this.#w;
    const a = this.n;
    if (a === this.vtag.length) this.#grow();
    const len = w.end - w.pos;
    if (this.kvLen[a] === len && w.same(this.kvStart[a], w.pos, len)) {
      this.n++;
      return;
    }
    this.kvStart[a] = w.pos;
    this.kvLen[a] = len;
    this.n++;
    const keySlot = 2 + 2 * a;
    let key = '';
    this.vtag[a] = V_NULL;
    while (w.pos < w.end) {
      const tag = w.varint();
      if (tag === ((1 << 3) | 2)) key = keySlot < SLOTS ? w.cachedString(keySlot) : w.string();
      else if (tag === ((2 << 3) | 2)) {
        const outer = w.enter();
        this.#anyValue(a, keySlot + 1);
        w.leave(outer);
      } else w.skip(tag & 7);
    }
    this.keys[a] = key;
  }

  /** One AnyValue (the cursor limited to it) as attribute `a`'s value: what `wireAnyValue` gives, kept as read. */
  #anyValue(a: number, slot: number): void {
    const w = this.#w;
    this.vtag[a] = V_NULL;
    while (w.pos < w.end) {
      const tag = w.varint();
      switch (tag) {
        case (1 << 3) | 2: {
          const end = w.lengthEnd();
          this.vtag[a] = V_REF;
          this.vstart[a] = w.pos;
          this.vend[a] = end;
          this.vnum[a] = this.#ref(slot, w.pos, end);
          w.pos = end;
          break;
        }
        case (2 << 3) | 0:
          this.vtag[a] = w.varint() !== 0 ? V_TRUE : V_FALSE;
          break;
        case (3 << 3) | 0:
          this.vtag[a] = V_NUM;
          this.vnum[a] = w.int64();
          break;
        case (4 << 3) | 1:
          this.vtag[a] = V_NUM;
          this.vnum[a] = w.double();
          break;
        case (5 << 3) | 2: {
          const outer = w.enter();
          this.vtag[a] = V_STR;
          this.vstr[a] = JSON.stringify(wireArray(w));
          w.leave(outer);
          break;
        }
        case (6 << 3) | 2: {
          const outer = w.enter();
          this.vtag[a] = V_STR;
          this.vstr[a] = JSON.stringify(wireAttributes(w, {}, 1));
          w.leave(outer);
          break;
        }
        case (7 << 3) | 2: {
          const end = w.lengthEnd();
          this.vtag[a] = V_STR;
          this.vstr[a] = w.buf.toString('base64', w.pos, end);
          w.pos = end;
          break;
        }
        default:
          w.skip(tag & 7);
      }
    }
  }

  #grow(): void {
    const n = this.vtag.length * 2;
    const grown = <T extends Uint8Array | Float64Array | Int32Array>(old: T, made: T): T => {
      made.set(old as never);
      return made;
    };
    this.vtag = grown(this.vtag, new Uint8Array(n));
    this.vnum = grown(this.vnum, new Float64Array(n));
    this.vstart = grown(this.vstart, new Int32Array(n));
    this.vend = grown(this.vend, new Int32Array(n));
    this.kvStart = grown(this.kvStart, new Int32Array(n));
    this.kvLen = grown(this.kvLen, new Int32Array(n).fill(-1));
  }

  /** The layout of this span's attributes: the last span's when it has the same keys and nulls in the same places. */
  layout(packer: RecordPacker): Layout {
    const prev = this.#layout;
    const n = this.n;
    if (prev && prev.keys.length === n) {
      let same = true;
      for (let a = 0; a < n; a++) {
        if (prev.keys[a] !== this.keys[a] || prev.nulls[a] !== (this.vtag[a] === V_NULL ? 1 : 0)) {
          same = false;
          break;
        }
      }
      if (same) return prev;
    }
    // As `out[key] = value` builds the object: a key keeps its first place and takes its last
    // non-null value; a null value leaves the key out; "__proto__" cannot be set that way.
    const keys = this.keys.slice(0, n);
    const nulls = new Uint8Array(n);
    const place = new Map<string, number>();
    const from: number[] = [];
    const special = new Int32Array(SPECIAL.length).fill(-1);
    for (let a = 0; a < n; a++) {
      const key = keys[a];
      if (this.vtag[a] === V_NULL) {
        nulls[a] = 1;
        continue;
      }
      if (key === '__proto__') continue;
      const at = place.get(key);
      if (at === undefined) {
        place.set(key, from.length);
        from.push(a);
      } else from[at] = a;
      const s = SPECIAL_INDEX.get(key);
      if (s !== undefined) special[s] = a;
    }
    const layout = { keys, nulls, shape: packer.shapeOf(from.map((a) => keys[a])), from, special };
    this.#layout = layout;
    return layout;
  }

  /** Attribute `a`'s value into the packer. */
  write(packer: RecordPacker, a: number): void {
    switch (this.vtag[a]) {
      case V_REF:
        return packer.refAt(REF.utf8, this.vnum[a]);
      case V_STR:
        return packer.stringAt(packer.addString(this.vstr[a]));
      case V_NUM:
        return packer.number(this.vnum[a]);
      case V_TRUE:
        return packer.boolean(true);
      case V_FALSE:
        return packer.boolean(false);
    }
  }

  /**
   * `str(key)` of spanRecord for attribute `a` (-1: absent): its value as text, null when absent or
   * empty. Wire text is made once per ref for each `special` (an `S` index) it is read as.
   */
  text(a: number, special: number): string | null {
    if (a < 0) return null;
    switch (this.vtag[a]) {
      case V_REF: {
        const ref = this.vnum[a];
        const s = special;
        if (this.#textRef[s] !== ref) {
          this.#textRef[s] = ref;
          this.#text[s] = this.#w.buf.utf8Slice(this.vstart[a], this.vend[a]);
        }
        return this.#text[s] === '' ? null : this.#text[s];
      }
      case V_STR:
        return this.vstr[a] === '' ? null : this.vstr[a];
      case V_NUM:
        return String(this.vnum[a]);
      case V_TRUE:
        return 'true';
      default:
        return 'false';
    }
  }

  /** Whether `str(key)` of attribute `a` is not null: present, and not empty text. */
  nonEmpty(a: number): boolean {
    if (a < 0) return false;
    const t = this.vtag[a];
    return t === V_REF ? this.vend[a] > this.vstart[a] : t === V_STR ? this.vstr[a] !== '' : true;
  }

  /** Writes `str(key)` of attribute `a` as it is (the same ref when it is wire text); false when it is null. */
  writeText(packer: RecordPacker, a: number): boolean {
    if (!this.nonEmpty(a)) return false;
    switch (this.vtag[a]) {
      case V_REF:
        packer.refAt(REF.utf8, this.vnum[a]);
        return true;
      case V_STR:
        packer.stringAt(packer.addString(this.vstr[a]));
        return true;
      default:
        packer.stringAt(packer.intern(this.text(a, 0)!));
        return true;
    }
  }

  /** Whether attribute `a` is text still in the wire bytes, [vstart, vend), with ref vnum. */
  isWireText(a: number): boolean {
    return this.vtag[a] === V_REF;
  }
}
