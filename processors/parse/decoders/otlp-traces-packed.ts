import { protoType } from '../../../pipeline/proto/load.ts';
import { REF, type RecordPacker, type RefKind } from '../../../pipeline/workers/record-codec.ts';
import type { Rejection } from '../task.ts';
import { splitFlags } from '../normalise.ts';
import { OTLP_SPAN_KINDS, OTLP_SPAN_STATUSES } from './otlp-span-enums.ts';
import { nodeOf, requestIdOf, SPAN_RECORD_KEYS, statusCodeOf } from './span-record.ts';
import { bytesAsHex, forEachScopeItem, resourceAndScopes, Wire, wireArray, wireAttributes } from './values.ts';

/**
 * An ExportTraceServiceRequest in protobuf straight into packed SpanRecords (record-codec.ts),
 * the records never built on this thread: the same records `spanRecord` makes from the same
 * bytes, written key by key. Strings read from the wire (ids, names, attribute values) are left
 * in the request bytes as refs, each made once on the thread that keeps the records; repeated
 * ones (the same value at the same place in span after span) are sent once. Bad wire bytes throw
 * and nothing of the payload stays in the packer; a span with a bad id is rejected on its own.
 */
export function otlpTracesProtoToPacked(
  data: Uint8Array,
  receiver: string,
  packer: RecordPacker,
  rejections: Rejection[],
): void {
  const mark = packer.mark();
  const writer = new SpanWriter(data, packer, receiver);
  try {
    const w = writer.w;
    while (w.pos < w.end) {
      const tag = w.varint();
      if (tag !== ((1 << 3) | 2)) {
        w.skip(tag & 7);
        continue;
      }
      const outer = w.enter();
      writer.resourceSpans();
      w.leave(outer);
    }
  } catch (err) {
    packer.rewind(mark);
    throw err;
  }
  for (const r of writer.rejected) rejections.push(r);
}

/** Value kinds of one attribute as read. */
const V_NULL = 0;
const V_REF = 1;
const V_STR = 2;
const V_NUM = 3;
const V_TRUE = 4;
const V_FALSE = 5;

/** The attributes `spanRecord` reads, by the index this file uses for them. */
const SPECIAL = [
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
const S = Object.fromEntries(SPECIAL.map((k, i) => [k, i])) as Record<(typeof SPECIAL)[number], number>;
const SPECIAL_INDEX = new Map<string, number>(SPECIAL.map((k, i) => [k, i]));

/** Per-place caches (a span's name, its n-th attribute value): the same as `Wire.cachedString`'s slots. */
const SLOTS = 256;
const NAME_SLOT = 0;
const PARENT_SLOT = 1;

/** How a span's attributes map to its `attributes` object; the same for span after span of one proxy. */
interface Layout {
  keys: string[];
  nulls: Uint8Array;
  shape: number;
  /** For each key of the object, the attribute whose value it takes (the last non-null one). */
  from: number[];
  /** For each SPECIAL key, the attribute whose value `spanRecord` reads, or -1. */
  special: Int32Array;
}

class SpanWriter {
  readonly w: Wire;
  readonly packer: RecordPacker;
  readonly receiver: string;
  readonly source: number;
  readonly rejected: Rejection[] = [];

  // Per payload: repeated strings, by what they were made from.
  readonly slotStart = new Int32Array(SLOTS).fill(-1);
  readonly slotLen = new Int32Array(SLOTS);
  readonly slotRef = new Int32Array(SLOTS);
  readonly constants = new Map<string, number>();
  readonly kinds: number[] = [];
  readonly statuses: number[] = [];
  readonly meshSpan: number;
  readonly empty: number;
  readonly zero: number;
  lastMs = -1;
  lastMsString = -1;
  minute = -1;
  minutePrefix = '';
  layout: Layout | undefined;
  /** A SPECIAL attribute's text, by the ref it was made from, so a repeated value is made once. */
  readonly specialRef = new Int32Array(SPECIAL.length).fill(-1);
  readonly specialText: Array<string | null> = new Array<string | null>(SPECIAL.length).fill(null);
  lastStatusRef = -1;
  lastStatus: number | null = null;
  lastFlags: string | null | undefined = undefined;
  lastFlagsIdx: number[] = [];
  lastNode: string | null | undefined = undefined;
  lastNodeIdx: [number, number] = [-1, -1];

  // Per resource.
  service = -1;
  recordShape = 0;
  k8s: number[] = [];

  // Per span, reused.
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

  constructor(data: Uint8Array, packer: RecordPacker, receiver: string) {
    this.w = new Wire(data);
    this.packer = packer;
    this.receiver = receiver;
    this.source = packer.addSource(data);
    this.meshSpan = this.constant('mesh.span');
    this.empty = this.constant('');
    this.zero = this.constant('0');
  }

  constant(s: string): number {
    let i = this.constants.get(s);
    if (i === undefined) {
      i = this.packer.intern(s);
      this.constants.set(s, i);
    }
    return i;
  }

  resourceSpans(): void {
    const w = this.w;
    const { resource, scopes } = resourceAndScopes(w);
    const service = resource['service.name'];
    this.service = typeof service === 'string' ? this.packer.intern(service) : -1;
    const keys: string[] = [...SPAN_RECORD_KEYS];
    this.k8s = [];
    for (const [k, v] of Object.entries(resource)) {
      if (!k.startsWith('k8s.')) continue;
      keys.push(k);
      this.k8s.push(this.packer.intern(String(v)));
    }
    this.recordShape = this.packer.shapeOf(keys);
    forEachScopeItem(w, scopes, (start) => this.span(start));
  }

  /** A string at [start, end) of the payload, the same ref as the last one at `slot` when its bytes are. */
  ref(kind: RefKind, slot: number, start: number, end: number): number {
    const len = end - start;
    if (slot >= SLOTS) return this.packer.addRef(kind, this.source, start, end);
    const prev = this.slotStart[slot];
    if (prev >= 0 && this.slotLen[slot] === len && this.w.same(prev, start, len)) return this.slotRef[slot];
    const r = this.packer.addRef(kind, this.source, start, end);
    this.slotStart[slot] = start;
    this.slotLen[slot] = len;
    this.slotRef[slot] = r;
    return r;
  }

  /** One Span message (the cursor limited to it), written as a SpanRecord or rejected. */
  span(start: number): void {
    const w = this.w;
    let traceStart = 0;
    let traceEnd = 0;
    let spanStart = 0;
    let spanEnd = 0;
    let parentStart = 0;
    let parentEnd = 0;
    let nameStart = -1;
    let nameEnd = -1;
    let kind = 0;
    let startAt = -1;
    let endAt = -1;
    let status = 0;
    this.n = 0;
    while (w.pos < w.end) {
      const tag = w.varint();
      switch (tag) {
        case (1 << 3) | 2:
          traceEnd = w.lengthEnd();
          traceStart = w.pos;
          w.pos = traceEnd;
          break;
        case (2 << 3) | 2:
          spanEnd = w.lengthEnd();
          spanStart = w.pos;
          w.pos = spanEnd;
          break;
        case (4 << 3) | 2:
          parentEnd = w.lengthEnd();
          parentStart = w.pos;
          w.pos = parentEnd;
          break;
        case (5 << 3) | 2:
          nameEnd = w.lengthEnd();
          nameStart = w.pos;
          w.pos = nameEnd;
          break;
        case (6 << 3) | 0:
          kind = w.varint();
          break;
        case (7 << 3) | 1:
          if (w.pos + 8 > w.end) w.fixed64();
          startAt = w.pos;
          w.pos += 8;
          break;
        case (8 << 3) | 1:
          if (w.pos + 8 > w.end) w.fixed64();
          endAt = w.pos;
          w.pos += 8;
          break;
        case (9 << 3) | 2: {
          const outer = w.enter();
          const a = this.n;
          if (a === this.vtag.length) this.grow();
          const len = w.end - w.pos;
          // The same KeyValue bytes as the last span's at this place (the node id, the cluster…):
          // what was read from them then still stands, in the attribute arrays at `a`.
          if (this.kvLen[a] === len && w.same(this.kvStart[a], w.pos, len)) this.n++;
          else {
            this.kvStart[a] = w.pos;
            this.kvLen[a] = len;
            this.keyValue();
          }
          w.leave(outer);
          break;
        }
        case (15 << 3) | 2: {
          const outer = w.enter();
          while (w.pos < w.end) {
            const t = w.varint();
            if (t === ((3 << 3) | 0)) status = w.varint();
            else w.skip(t & 7);
          }
          w.leave(outer);
          break;
        }
        default:
          w.skip(tag & 7);
      }
    }
    const buf = w.buf;
    const traceLen = traceEnd - traceStart;
    const bad =
      traceLen === 0 || (traceLen !== 8 && traceLen !== 16) || allZero(buf, traceStart, traceEnd)
        ? `invalid trace id ${JSON.stringify(traceLen === 0 ? null : buf.hexSlice(traceStart, traceEnd))}`
        : spanEnd - spanStart !== 8 || allZero(buf, spanStart, spanEnd)
          ? `invalid span id ${JSON.stringify(spanEnd === spanStart ? null : buf.hexSlice(spanStart, spanEnd))}`
          : undefined;
    if (bad !== undefined) {
      const name = nameStart < 0 ? '' : buf.utf8Slice(nameStart, nameEnd);
      this.rejected.push(spanRejection(w, start, this.receiver, name, new Error(bad)));
      return;
    }
    const layout = this.currentLayout();
    // Nanosecond times exceed 2^53: read as two 32-bit halves. 2^32 = 4294 * 1e6 + 967296, so the
    // millisecond is hi * 4294 + floor((hi * 967296 + lo) / 1e6), every step exact in a double.
    const sLo = startAt < 0 ? 0 : buf.readUInt32LE(startAt);
    const sHi = startAt < 0 ? 0 : buf.readUInt32LE(startAt + 4);
    const eLo = endAt < 0 ? 0 : buf.readUInt32LE(endAt);
    const eHi = endAt < 0 ? 0 : buf.readUInt32LE(endAt + 4);
    const x = sHi * 967296 + sLo;
    const p = this.packer;
    p.beginRecord(this.recordShape);
    p.stringAt(this.isoString(sHi * 4294 + (x - (x % 1e6)) / 1e6));
    p.stringAt(this.meshSpan);
    p.refAt(REF.hex, p.addRef(REF.hex, this.source, traceStart, traceEnd));
    p.refAt(REF.hex, p.addRef(REF.hex, this.source, spanStart, spanEnd));
    if (parentEnd === parentStart || allZero(buf, parentStart, parentEnd)) p.null();
    else p.refAt(REF.hex, this.ref(REF.hex, PARENT_SLOT, parentStart, parentEnd));
    if (nameStart < 0) p.stringAt(this.empty);
    else p.refAt(REF.utf8, this.ref(REF.utf8, NAME_SLOT, nameStart, nameEnd));
    p.stringAt((this.kinds[kind] ??= this.constant(OTLP_SPAN_KINDS[kind] ?? 'unspecified')));
    if (startAt < 0) p.stringAt(this.zero);
    else p.refAt(REF.u64, p.addRef(REF.u64, this.source, startAt, startAt + 8));
    if (endAt < 0) p.stringAt(this.zero);
    else p.refAt(REF.u64, p.addRef(REF.u64, this.source, endAt, endAt + 8));
    // As Number(end - start) of the BigInts: one rounding, of the exact difference.
    p.number((eHi - sHi) * 4294967296 + (eLo - sLo));
    p.stringAt((this.statuses[status] ??= this.constant(OTLP_SPAN_STATUSES[status] ?? 'unset')));
    if (this.service < 0) p.null();
    else p.stringAt(this.service);
    this.writeRequestId(layout);
    this.writeStatusCode(layout);
    if (!this.writeTagText(layout.special[S.upstream_cluster])) {
      if (!this.writeTagText(layout.special[S['upstream_cluster.name']])) p.null();
    }
    this.writeFlags(layout);
    this.writeNode(layout);
    p.beginObject(layout.shape);
    for (const a of layout.from) this.writeValue(a);
    for (const k of this.k8s) p.stringAt(k);
  }

  /** One KeyValue (the cursor limited to it) into the span's attribute list. */
  keyValue(): void {
    const w = this.w;
    const a = this.n++;
    const keySlot = 2 + 2 * a;
    let key = '';
    this.vtag[a] = V_NULL;
    while (w.pos < w.end) {
      const tag = w.varint();
      if (tag === ((1 << 3) | 2)) key = keySlot < SLOTS ? w.cachedString(keySlot) : w.string();
      else if (tag === ((2 << 3) | 2)) {
        const outer = w.enter();
        this.anyValue(a, keySlot + 1);
        w.leave(outer);
      } else w.skip(tag & 7);
    }
    this.keys[a] = key;
  }

  /** One AnyValue (the cursor limited to it) as attribute `a`'s value: what `wireAnyValue` gives, kept as read. */
  anyValue(a: number, slot: number): void {
    const w = this.w;
    this.vtag[a] = V_NULL;
    while (w.pos < w.end) {
      const tag = w.varint();
      switch (tag) {
        case (1 << 3) | 2: {
          const end = w.lengthEnd();
          this.vtag[a] = V_REF;
          this.vstart[a] = w.pos;
          this.vend[a] = end;
          this.vnum[a] = this.ref(REF.utf8, slot, w.pos, end);
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

  grow(): void {
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
  currentLayout(): Layout {
    const prev = this.layout;
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
    const shapeKeys = from.map((a) => keys[a]);
    const layout = { keys, nulls, shape: this.packer.shapeOf(shapeKeys), from, special };
    this.layout = layout;
    return layout;
  }

  /** Attribute `a`'s value into the packer. */
  writeValue(a: number): void {
    const p = this.packer;
    switch (this.vtag[a]) {
      case V_REF:
        return p.refAt(REF.utf8, this.vnum[a]);
      case V_STR:
        return p.stringAt(p.addString(this.vstr[a]));
      case V_NUM:
        return p.number(this.vnum[a]);
      case V_TRUE:
        return p.boolean(true);
      case V_FALSE:
        return p.boolean(false);
    }
  }

  /** `str(key)` of spanRecord for SPECIAL attribute `a` (-1: absent): its value as text, null when absent or empty. */
  text(s: number, a: number): string | null {
    if (a < 0) return null;
    switch (this.vtag[a]) {
      case V_REF: {
        const ref = this.vnum[a];
        if (this.specialRef[s] !== ref) {
          this.specialRef[s] = ref;
          this.specialText[s] = this.w.buf.utf8Slice(this.vstart[a], this.vend[a]);
        }
        return this.specialText[s] === '' ? null : this.specialText[s];
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

  /** Writes `str(key)` of attribute `a` as it is (the same ref when it is wire text); false when it is null. */
  writeTagText(a: number): boolean {
    if (a < 0) return false;
    const p = this.packer;
    switch (this.vtag[a]) {
      case V_REF:
        if (this.vend[a] === this.vstart[a]) return false;
        p.refAt(REF.utf8, this.vnum[a]);
        return true;
      case V_STR:
        if (this.vstr[a] === '') return false;
        p.stringAt(p.addString(this.vstr[a]));
        return true;
      default:
        p.stringAt(p.intern(this.text(-1, a)!));
        return true;
    }
  }

  writeRequestId(layout: Layout): void {
    const p = this.packer;
    let a = layout.special[S['guid:x-request-id']];
    if (!this.nonEmpty(a)) a = layout.special[S['http.request.header.x_request_id']];
    if (!this.nonEmpty(a)) a = layout.special[S['http.request.header.x-request-id']];
    if (!this.nonEmpty(a)) return p.null();
    const buf = this.w.buf;
    if (this.vtag[a] === V_REF) {
      const first = buf[this.vstart[a]];
      const last = buf[this.vend[a] - 1];
      // Nothing for requestIdOf to take off: the tag's own text.
      if (first !== 0x5b && first !== 0x22 && last !== 0x22 && last !== 0x5d) return p.refAt(REF.utf8, this.vnum[a]);
    }
    p.stringAt(p.addString(requestIdOf(this.text(S['guid:x-request-id'], a))!));
  }

  nonEmpty(a: number): boolean {
    if (a < 0) return false;
    const t = this.vtag[a];
    return t === V_REF ? this.vend[a] > this.vstart[a] : t === V_STR ? this.vstr[a] !== '' : true;
  }

  writeStatusCode(layout: Layout): void {
    let a = layout.special[S['http.status_code']];
    let s = S['http.status_code'];
    if (!this.nonEmpty(a)) {
      a = layout.special[S['http.response.status_code']];
      s = S['http.response.status_code'];
    }
    if (!this.nonEmpty(a)) return this.packer.null();
    if (this.vtag[a] === V_REF && this.vnum[a] === this.lastStatusRef) {
      const code = this.lastStatus;
      return code === null ? this.packer.null() : this.packer.number(code);
    }
    const code = statusCodeOf(this.text(s, a));
    if (this.vtag[a] === V_REF) {
      this.lastStatusRef = this.vnum[a];
      this.lastStatus = code;
    }
    if (code === null) this.packer.null();
    else this.packer.number(code);
  }

  writeFlags(layout: Layout): void {
    const p = this.packer;
    const text = this.text(S.response_flags, layout.special[S.response_flags]);
    if (text !== this.lastFlags) {
      this.lastFlags = text;
      this.lastFlagsIdx = splitFlags(text).map((f) => p.intern(f));
    }
    p.beginArray(this.lastFlagsIdx.length);
    for (const i of this.lastFlagsIdx) p.stringAt(i);
  }

  writeNode(layout: Layout): void {
    const p = this.packer;
    const nodeId = this.text(S.node_id, layout.special[S.node_id]);
    if (nodeId !== this.lastNode) {
      this.lastNode = nodeId;
      const node = nodeOf(nodeId);
      this.lastNodeIdx = [
        node?.workload != null ? p.intern(node.workload) : -1,
        node?.namespace != null ? p.intern(node.namespace) : -1,
      ];
    }
    const [workload, namespace] = this.lastNodeIdx;
    if (workload < 0) p.null();
    else p.stringAt(workload);
    if (namespace >= 0) return p.stringAt(namespace);
    if (!this.writeTagText(layout.special[S['istio.namespace']])) p.null();
  }

  /** `new Date(ms).toISOString()`, made once per millisecond and from a cached minute. */
  isoString(ms: number): number {
    if (ms === this.lastMs) return this.lastMsString;
    const minute = Math.floor(ms / 60_000);
    let s: string;
    if (minute === this.minute) {
      const inMinute = ms - minute * 60_000;
      const sec = Math.floor(inMinute / 1000);
      const milli = inMinute - sec * 1000;
      s = `${this.minutePrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
    } else {
      s = new Date(ms).toISOString();
      this.minute = minute;
      // "YYYY-MM-DDTHH:MM:" for four-digit years; other years keep going through Date.
      this.minutePrefix = s.length === 24 ? s.slice(0, 17) : '';
      if (s.length !== 24) this.minute = -1;
    }
    this.lastMs = ms;
    this.lastMsString = this.packer.addString(s);
    return this.lastMsString;
  }
}

/** A rejected span's payload: that span decoded the ordinary way, as JSON, for the dead-letter reader. */
function spanRejection(w: Wire, start: number, receiver: string, name: string, err: Error): Rejection {
  const type = protoType('opentelemetry.proto.trace.v1.Span');
  const r = new Wire(w.buf.subarray(start));
  const spanEnd = r.lengthEnd();
  const span = type.toObject(type.decode(r.buf.subarray(r.pos, spanEnd)), {
    longs: String,
    enums: Number,
    defaults: false,
  });
  return {
    receiver,
    code: 'MESHLOG_PARSE_FAILED',
    reason: `span ${JSON.stringify(name)}: ${err.message}`,
    payload: JSON.stringify(span, bytesAsHex),
  };
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
