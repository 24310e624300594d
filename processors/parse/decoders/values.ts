/** Helpers for decoded protobuf objects (protobufjs `toObject` shape) and OTLP JSON alike. */

type Long = { low: number; high: number; unsigned?: boolean; toString(): string };

/** A protobuf integer as a JS number (protobufjs gives number, string or Long). */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v === '' ? null : Number(v);
  if (typeof v === 'object' && 'low' in (v as object)) return Number((v as Long).toString());
  return null;
}

/** google.protobuf.Timestamp → epoch ms. */
export function timestampMs(t: { seconds?: unknown; nanos?: number } | null | undefined): number | null {
  if (!t) return null;
  return (num(t.seconds) ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** google.protobuf.Duration → ms (rounded down, as Envoy's %DURATION% is). */
export function durationMs(d: { seconds?: unknown; nanos?: number } | null | undefined): number | null {
  if (!d) return null;
  return (num(d.seconds) ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

/** Trace and span ids as lowercase hex, from bytes (protobuf) or hex/base64 strings (OTLP JSON). */
export function idHex(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return v.length === 0 ? null : Buffer.from(v).toString('hex');
  if (typeof v !== 'string' || v === '') return null;
  if (/^[0-9a-fA-F]+$/.test(v) && (v.length === 16 || v.length === 32)) return v.toLowerCase();
  const b = Buffer.from(v, 'base64');
  return b.length === 0 ? null : b.toString('hex');
}

/** Deepest AnyValue nesting rendered; deeper values become this marker (a request cannot exhaust the stack). */
const MAX_ANY_DEPTH = 32;
const TOO_DEEP = '[nested too deep]';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An OTLP AnyValue as a plain value (strings, numbers, booleans; arrays and maps as JSON). A value
 * of the wrong shape (OTLP/JSON from a sender that got it wrong) is null, never an exception.
 */
export function anyValue(v: unknown, depth = 0): string | number | boolean | null {
  if (!isObject(v)) return null;
  if (depth > MAX_ANY_DEPTH) return TOO_DEEP;
  if ('stringValue' in v) return typeof v.stringValue === 'string' ? v.stringValue : null;
  if ('intValue' in v) return num(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('bytesValue' in v) {
    const b = v.bytesValue;
    return typeof b === 'string' ? b : b instanceof Uint8Array ? Buffer.from(b).toString('base64') : null;
  }
  if ('arrayValue' in v) {
    const values = isObject(v.arrayValue) ? v.arrayValue.values : undefined;
    return JSON.stringify((Array.isArray(values) ? values : []).map((x) => anyValue(x, depth + 1)));
  }
  if ('kvlistValue' in v) {
    const values = isObject(v.kvlistValue) ? v.kvlistValue.values : undefined;
    return JSON.stringify(attributes(Array.isArray(values) ? (values as KeyValue[]) : [], depth + 1));
  }
  return null;
}

export interface KeyValue {
  key: string;
  value?: Record<string, unknown>;
}

/** OTLP attributes flattened to a map. */
export function attributes(kvs: KeyValue[] | null | undefined, depth = 0): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!Array.isArray(kvs)) return out;
  for (const kv of kvs) {
    if (!isObject(kv) || typeof kv.key !== 'string') continue;
    const v = anyValue(kv.value, depth);
    if (v !== null) out[kv.key] = v;
  }
  return out;
}

/** Slots of `Wire.cachedString`: a span's name and its first attributes' keys and values. */
const SLOTS = 256;

/** Node's Buffer methods behind `toString(encoding, start, end)`, called directly: no argument checks per string. */
declare module 'node:buffer' {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    hexSlice(start: number, end: number): string;
  }
}

/** Malformed protobuf wire bytes: the whole payload is undecodable, as with protobufjs's own decoder. */
export class WireError extends Error {}

/**
 * A cursor over protobuf wire bytes. The hot OTLP messages (spans, log records) are read field by
 * field straight into records: building protobufjs message objects and then `toObject` copies of
 * them cost more than the normalising itself.
 */
export class Wire {
  readonly buf: Buffer;
  pos: number;
  end: number;

  readonly #view: DataView;

  constructor(data: Uint8Array) {
    this.buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.#view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    this.end = this.buf.length;
  }

  /**
   * Whether the `len` bytes at `a` and at `b` are the same: the last four first (ids and counters
   * that differ, differ at their end), then four at a time from the start, then one by one.
   */
  same(a: number, b: number, len: number): boolean {
    const view = this.#view;
    if (len >= 4 && view.getInt32(a + len - 4, true) !== view.getInt32(b + len - 4, true)) return false;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (view.getInt32(a + i, true) !== view.getInt32(b + i, true)) return false;
    const buf = this.buf;
    for (; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
    return true;
  }

  /** A varint as a number (exact to 2^53; beyond that as close as a double gets, like Number(long)). */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = pos < this.end ? buf[pos++] : this.#truncated();
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; ; i++) {
      if (i === 10) throw new WireError(`invalid varint at offset ${this.pos}`);
      b = pos < this.end ? buf[pos++] : this.#truncated();
      result += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 0x80;
    }
    this.pos = pos;
    return result;
  }

  /** Reads a length prefix and returns where that field ends; `pos` is then its first byte. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) this.#truncated();
    return end;
  }

  string(): string {
    const end = this.lengthEnd();
    const s = this.buf.utf8Slice(this.pos, end);
    this.pos = end;
    return s;
  }

  /**
   * A string field that tends to repeat at the same place in every message of this payload
   * (attribute keys, and values like the node id or cluster in each of 512 spans): when its bytes
   * equal those last read for `slot`, the same string is returned, not decoded and allocated again.
   */
  cachedString(slot: number): string {
    const end = this.lengthEnd();
    const start = this.pos;
    const len = end - start;
    this.pos = end;
    const slots = (this.#slots ??= { off: new Int32Array(SLOTS).fill(-1), len: new Int32Array(SLOTS), str: [] });
    if (slot >= SLOTS) return this.buf.utf8Slice(start, end);
    const prev = slots.off[slot];
    if (prev >= 0 && slots.len[slot] === len && this.same(prev, start, len)) return slots.str[slot];
    const s = this.buf.utf8Slice(start, end);
    slots.off[slot] = start;
    slots.len[slot] = len;
    slots.str[slot] = s;
    return s;
  }

  #slots: { off: Int32Array; len: Int32Array; str: string[] } | undefined;

  /** A bytes field as lowercase hex, or null when empty (ids). */
  hex(): string | null {
    const end = this.lengthEnd();
    const s = end === this.pos ? null : this.buf.hexSlice(this.pos, end);
    this.pos = end;
    return s;
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) this.#truncated();
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.#truncated();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Skips a field of wire type `wt` (its tag already read). */
  skip(wt: number): void {
    switch (wt) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new WireError(`invalid wire type ${wt} at offset ${this.pos}`);
    }
    if (this.pos > this.end) this.#truncated();
  }

  /** Limits the cursor to the length-delimited field that starts here; returns the outer end for `leave`. */
  enter(): number {
    const end = this.lengthEnd();
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Moves past the field `enter` limited the cursor to. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  /** A signed int64 varint as a number (two's complement read exactly, then rounded like Number(long)). */
  int64(): number {
    const start = this.pos;
    const n = this.varint();
    if (n < 2 ** 53) return n;
    let v = 0n;
    let shift = 0n;
    for (let p = start; p < this.pos; p++, shift += 7n) v |= BigInt(this.buf[p] & 0x7f) << shift;
    return Number(BigInt.asIntN(64, v));
  }

  #truncated(): never {
    throw new WireError(`index out of range: ${this.pos} + 1 > ${this.end}`);
  }
}

/** One OTLP AnyValue from the wire (the cursor limited to it by `enter`), as `anyValue` gives it from a decoded object. */
export function wireAnyValue(w: Wire, slot = -1): string | number | boolean | null {
  let v: string | number | boolean | null = null;
  while (w.pos < w.end) {
    const tag = w.varint();
    switch (tag) {
      case (1 << 3) | 2:
        v = slot < 0 ? w.string() : w.cachedString(slot);
        break;
      case (2 << 3) | 0:
        v = w.varint() !== 0;
        break;
      case (3 << 3) | 0:
        v = w.int64();
        break;
      case (4 << 3) | 1:
        v = w.double();
        break;
      case (5 << 3) | 2: {
        const outer = w.enter();
        v = JSON.stringify(wireArray(w));
        w.leave(outer);
        break;
      }
      case (6 << 3) | 2: {
        const outer = w.enter();
        v = JSON.stringify(wireAttributes(w, {}, 1));
        w.leave(outer);
        break;
      }
      case (7 << 3) | 2: {
        const end = w.lengthEnd();
        v = w.buf.toString('base64', w.pos, end);
        w.pos = end;
        break;
      }
      default:
        w.skip(tag & 7);
    }
  }
  return v;
}

export function wireArray(w: Wire): Array<string | number | boolean | null> {
  const out: Array<string | number | boolean | null> = [];
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag === ((1 << 3) | 2)) {
      const outer = w.enter();
      out.push(wireAnyValue(w));
      w.leave(outer);
    } else w.skip(tag & 7);
  }
  return out;
}

/**
 * The KeyValue fields numbered `field` of the message under the cursor, into `out` (values that are
 * null are left out, as `attributes` does). Other fields of the message are skipped.
 */
export function wireAttributes(
  w: Wire,
  out: Record<string, string | number | boolean>,
  field: number,
): Record<string, string | number | boolean> {
  const want = (field << 3) | 2;
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag === want) {
      const outer = w.enter();
      wireKeyValue(w, out);
      w.leave(outer);
    } else w.skip(tag & 7);
  }
  return out;
}

/** One KeyValue (cursor limited to it) into `out`; with `slot`, its key and value strings are cached there and at slot + 1. */
export function wireKeyValue(w: Wire, out: Record<string, string | number | boolean>, slot = -1): void {
  let key = '';
  let value: string | number | boolean | null = null;
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag === ((1 << 3) | 2)) key = slot < 0 ? w.string() : w.cachedString(slot);
    else if (tag === ((2 << 3) | 2)) {
      const outer = w.enter();
      value = wireAnyValue(w, slot < 0 ? -1 : slot + 1);
      w.leave(outer);
    } else w.skip(tag & 7);
  }
  if (value !== null) out[key] = value;
}

/**
 * The fields of an OTLP ResourceSpans or ResourceLogs message at `w`: the resource's attributes
 * (field 1) and where each scope message (field 2) lies, as [start, end) pairs. The resource may
 * come after its scopes on the wire, so callers read the scopes once this has returned.
 */
export function resourceAndScopes(w: Wire): { resource: Record<string, string | number | boolean>; scopes: number[] } {
  let resource: Record<string, string | number | boolean> = {};
  const scopes: number[] = [];
  while (w.pos < w.end) {
    const tag = w.varint();
    if (tag === ((1 << 3) | 2)) {
      const outer = w.enter();
      resource = wireAttributes(w, {}, 1);
      w.leave(outer);
    } else if (tag === ((2 << 3) | 2)) {
      const end = w.lengthEnd();
      scopes.push(w.pos, end);
      w.pos = end;
    } else w.skip(tag & 7);
  }
  return { resource, scopes };
}

/**
 * Calls `fn` for each item (field 2: a span or a log record) of the scope messages `scopes`
 * (from `resourceAndScopes`), with the cursor limited to that item and `start` its first byte.
 * The cursor's bounds are restored afterwards.
 */
export function forEachScopeItem(w: Wire, scopes: number[], fn: (start: number) => void): void {
  const outer = w.end;
  for (let i = 0; i < scopes.length; i += 2) {
    w.pos = scopes[i];
    w.end = scopes[i + 1];
    while (w.pos < w.end) {
      const tag = w.varint();
      if (tag !== ((2 << 3) | 2)) {
        w.skip(tag & 7);
        continue;
      }
      const start = w.pos;
      const itemOuter = w.enter();
      fn(start);
      w.leave(itemOuter);
    }
  }
  w.end = outer;
}

/** A JSON.stringify replacer that writes bytes (ids of a decoded protobuf message) as hex. */
export function bytesAsHex(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}
