import { protoType } from '../../../pipeline/proto/load.ts';
import { IsoFormatter } from '../../../pipeline/time/iso.ts';
import { REF, type RecordPacker, type RefKind } from '../../../pipeline/workers/record-codec.ts';
import type { Rejection } from '../task.ts';
import { splitFlags } from '../normalise.ts';
import { OTLP_SPAN_KINDS, OTLP_SPAN_STATUSES } from './otlp-span-enums.ts';
import { nodeOf, requestIdOf, SPAN_RECORD_KEYS, statusCodeOf } from './span-record.ts';
import { S, SLOTS, SpanAttributes, type Layout } from './span-attributes.ts';
import { bytesAsHex, forEachScopeItem, resourceAndScopes, Wire } from './values.ts';

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

/** The writer's ref slots (`SpanWriter.ref`) for the span's name and parent id; attribute values use 3 + 2n. */
const NAME_SLOT = 0;
const PARENT_SLOT = 1;

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
  readonly iso = new IsoFormatter();
  readonly attrs: SpanAttributes;
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

  constructor(data: Uint8Array, packer: RecordPacker, receiver: string) {
    this.w = new Wire(data);
    this.packer = packer;
    this.receiver = receiver;
    this.source = packer.addSource(data);
    this.meshSpan = this.constant('mesh.span');
    this.empty = this.constant('');
    this.zero = this.constant('0');
    this.attrs = new SpanAttributes(this.w, (slot, start, end) => this.ref(REF.utf8, slot, start, end));
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
    const attrs = this.attrs;
    attrs.n = 0;
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
          attrs.read();
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
    const layout = attrs.layout(this.packer);
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
    if (!attrs.writeText(p, layout.special[S.upstream_cluster])) {
      if (!attrs.writeText(p, layout.special[S['upstream_cluster.name']])) p.null();
    }
    this.writeFlags(layout);
    this.writeNode(layout);
    p.beginObject(layout.shape);
    for (const a of layout.from) attrs.write(p, a);
    for (const k of this.k8s) p.stringAt(k);
  }

  /** `http.request.id`: the first request id tag that is not empty, as `requestIdOf` gives it. */
  writeRequestId(layout: Layout): void {
    const p = this.packer;
    const attrs = this.attrs;
    let a = layout.special[S['guid:x-request-id']];
    if (!attrs.nonEmpty(a)) a = layout.special[S['http.request.header.x_request_id']];
    if (!attrs.nonEmpty(a)) a = layout.special[S['http.request.header.x-request-id']];
    if (!attrs.nonEmpty(a)) return p.null();
    if (attrs.isWireText(a)) {
      const buf = this.w.buf;
      const first = buf[attrs.vstart[a]];
      const last = buf[attrs.vend[a] - 1];
      // Nothing for requestIdOf to take off: the tag's own text.
      if (first !== 0x5b && first !== 0x22 && last !== 0x22 && last !== 0x5d) return p.refAt(REF.utf8, attrs.vnum[a]);
    }
    p.stringAt(p.addString(requestIdOf(attrs.text(a, S['guid:x-request-id']))!));
  }

  /** `http.response.status_code`, from the first status tag that is not empty; the last wire text's number kept. */
  writeStatusCode(layout: Layout): void {
    const attrs = this.attrs;
    let a = layout.special[S['http.status_code']];
    let s = S['http.status_code'];
    if (!attrs.nonEmpty(a)) {
      a = layout.special[S['http.response.status_code']];
      s = S['http.response.status_code'];
    }
    if (!attrs.nonEmpty(a)) return this.packer.null();
    let code: number | null;
    if (attrs.isWireText(a) && attrs.vnum[a] === this.lastStatusRef) code = this.lastStatus;
    else {
      code = statusCodeOf(attrs.text(a, s));
      if (attrs.isWireText(a)) {
        this.lastStatusRef = attrs.vnum[a];
        this.lastStatus = code;
      }
    }
    if (code === null) this.packer.null();
    else this.packer.number(code);
  }

  /** `envoy.response_flags`, split once per distinct flags text. */
  writeFlags(layout: Layout): void {
    const p = this.packer;
    const text = this.attrs.text(layout.special[S.response_flags], S.response_flags);
    if (text !== this.lastFlags) {
      this.lastFlags = text;
      this.lastFlagsIdx = splitFlags(text).map((f) => p.intern(f));
    }
    p.beginArray(this.lastFlagsIdx.length);
    for (const i of this.lastFlagsIdx) p.stringAt(i);
  }

  /** `mesh.source.workload` and `.namespace` from the node id (read once per distinct one), else `istio.namespace`. */
  writeNode(layout: Layout): void {
    const p = this.packer;
    const nodeId = this.attrs.text(layout.special[S.node_id], S.node_id);
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
    if (!this.attrs.writeText(p, layout.special[S['istio.namespace']])) p.null();
  }

  /** `new Date(ms).toISOString()` in the string table, added once per millisecond. */
  isoString(ms: number): number {
    if (ms === this.lastMs) return this.lastMsString;
    const s = this.iso.format(ms);
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
