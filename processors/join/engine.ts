import type { Origin } from '../../pipeline/origin.ts';
import type { AccessRecord, JoinState, RequestDoc, SpanRecord } from '../../pipeline/records.ts';
import { DueHeap } from './due-heap.ts';
import { appended } from './exact-arrays.ts';
import { eventMs, packHop, sameHop, shiftHop } from './hop.ts';
import { buildRequestDoc, type BufferedRequest } from './request-doc.ts';

export interface JoinOptions {
  /** Emit a request once no part has arrived for it for this long, in event time. */
  idleMs: number;
  /** Emit a request at the latest this long after its first start, in event time. */
  maxAgeMs: number;
  /** Most requests held at once; past it the oldest is emitted early as `partial`. */
  maxPending: number;
  /** How far node clocks may disagree; the watermark trails the newest event by this much. */
  allowedSkewMs: number;
  /** How long an emitted request is kept so a late part can re-emit it whole (`late`). */
  lateRetentionMs: number;
  /** Most emitted requests kept for late parts. */
  maxRetained: number;
  /** Synthesise spans for failed requests that have none. */
  synthesize: boolean;
}

interface Entry extends BufferedRequest {
  /** Newest event end seen for the request, epoch ms. */
  last: number;
  emittedAt: number;
  state: 'pending' | 'retained' | 'gone';
  /** Where its parts were read from: usually one origin; an array when they came from several. */
  origin: Origin | Origin[] | undefined;
}

/** `held` plus `origin`, allocating only for the rare request whose parts come from two origins. */
function withOrigin(held: Origin | Origin[] | undefined, origin: Origin): Origin | Origin[] {
  if (held === undefined || held === origin) return origin;
  if (!Array.isArray(held)) return [held, origin];
  if (!held.includes(origin)) held.push(origin);
  return held;
}

function anyLost(origin: Origin | Origin[] | undefined): boolean {
  return Array.isArray(origin) ? origin.some((o) => o.lost) : origin?.lost === true;
}

export interface JoinCounters {
  complete: number;
  partial: number;
  late: number;
  duplicates: number;
  /** Parts with no request id: they cannot be joined and pass by. */
  unkeyed: number;
}

/**
 * The join, on event time. Parts (hops and spans) are keyed by request id and buffered compactly.
 * The watermark is the newest event time seen minus the allowed skew; a request is emitted when
 * the watermark passes `last + idle` or `first + maxAge`. Memory is bounded by `maxPending` (the
 * oldest request goes out early as `partial`) and `maxRetained` (emitted requests kept for late
 * parts). Given the same parts in the same order it emits the same documents: replays are
 * deterministic. Not thread-safe; one engine per processor.
 */
export class JoinEngine {
  readonly options: JoinOptions;
  readonly counters: JoinCounters = { complete: 0, partial: 0, late: 0, duplicates: 0, unkeyed: 0 };
  readonly #pending = new Map<string, Entry>();
  readonly #retained = new Map<string, Entry>();
  readonly #heap = new DueHeap<Entry>();
  #maxEvent = -Infinity;
  #watermark = -Infinity;
  /**
   * The first of #retained (the next to expire) while it is there; advance runs after every part
   * of a replay (after every batch live) and would otherwise open an iterator on #retained each
   * time, mostly to find nothing expired.
   */
  #retainedHead: Entry | undefined;
  readonly #docOptions: { skewMs: number; synthesize: boolean };

  constructor(options: JoinOptions) {
    for (const k of ['idleMs', 'maxAgeMs', 'maxPending', 'maxRetained'] as const) {
      if (!(options[k] > 0)) throw new RangeError(`join: ${k} must be positive, got ${options[k]}`);
    }
    this.options = options;
    this.#docOptions = { skewMs: options.allowedSkewMs, synthesize: options.synthesize };
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** Whether parts of `id` are buffered and not yet emitted. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  get watermark(): number {
    return this.#watermark;
  }

  /**
   * Adds one part, read from `origin` when its source can lose it (see `dropLost`); returns
   * documents this caused (a `partial` eviction or a `late` re-emit).
   */
  add(part: AccessRecord | SpanRecord, out: RequestDoc[] = [], origin?: Origin): RequestDoc[] {
    const id = part['http.request.id'];
    if (!id) {
      this.counters.unkeyed++;
      return out;
    }
    const isHop = part['event.dataset'] === 'envoy.access';
    const start = isHop ? eventMs(part) : Number(BigInt(part['span.start_ns']) / 1_000_000n);
    const end = start + Math.max(0, Math.round((part['event.duration'] ?? 0) / 1e6));
    if (!Number.isFinite(start)) return out;
    // Envoy writes a line when its request ends, so the newest end is how far the logs have got.
    // A part said to last longer than maxAgeMs (a stuck timer, a crafted line) counts at its start:
    // its end would carry the watermark that far ahead and emit everything held, as it came.
    const reach = end - start <= this.options.maxAgeMs ? end : start;
    if (reach > this.#maxEvent) this.#maxEvent = reach;

    // Pending first: a request's later parts find it there with one lookup. No id is both
    // pending and retained (add looks at both before it makes an entry; #emit moves one across).
    let entry = this.#pending.get(id);
    if (!entry) {
      const retained = this.#retained.get(id);
      if (retained) {
        if (this.#merge(retained, part, isHop, start, end)) {
          this.counters.late++;
          out.push(this.#doc(retained, 'late'));
        }
        return out;
      }
      // The heap keeps the due time; a popped entry's is re-checked, so the entry need not hold it.
      entry = { id, base: start, last: end, hops: [], spans: null, emittedAt: 0, state: 'pending', origin: undefined };
      this.#pending.set(id, entry);
      this.#heap.push(this.#due(entry), entry);
      if (this.#pending.size > this.options.maxPending) this.#evictOldest(out);
    }
    if (this.#merge(entry, part, isHop, start, end) && origin) entry.origin = withOrigin(entry.origin, origin);
    return out;
  }

  /**
   * Drops every held request with a part from a lost origin, emitting nothing: the source's new
   * owner reads those parts again, and a request with parts from two origins is dropped whole
   * (what it held from the other origin alone would be a less complete copy). Emitted requests
   * kept for late parts stay: no part of a lost origin comes here any more. Returns the dropped
   * request ids and how many parts they held.
   */
  dropLost(): { ids: string[]; parts: number } {
    const ids: string[] = [];
    let parts = 0;
    for (const e of this.#pending.values()) {
      if (!anyLost(e.origin)) continue;
      ids.push(e.id);
      parts += e.hops.length + (e.spans?.length ?? 0);
      this.#pending.delete(e.id);
      // Its heap slot is skipped when it comes up, as for any entry no longer pending.
      this.#drop(e);
    }
    return { ids, parts };
  }

  /** Adds the part to the entry unless it is a duplicate; returns whether it was new. */
  #merge(entry: Entry, part: AccessRecord | SpanRecord, isHop: boolean, start: number, end: number): boolean {
    if (start < entry.base) {
      for (const h of entry.hops) shiftHop(h, entry.base - start);
      entry.base = start;
    }
    if (end > entry.last) entry.last = end;
    if (isHop) {
      const hop = packHop(part as AccessRecord, entry.base, start);
      for (const h of entry.hops) {
        if (!sameHop(h, hop)) continue;
        this.counters.duplicates++;
        return false;
      }
      entry.hops = appended(entry.hops, hop);
      return true;
    }
    const span = part as SpanRecord;
    if (entry.spans?.some((s) => s['span.id'] === span['span.id'] && s['span.kind'] === span['span.kind'])) {
      this.counters.duplicates++;
      return false;
    }
    (entry.spans ??= []).push(span);
    return true;
  }

  #due(e: Entry): number {
    return Math.min(e.last + this.options.idleMs, e.base + this.options.maxAgeMs);
  }

  /** Emits the `n` oldest held requests early as `partial` (memory pressure); returns `out`. */
  shed(n: number, out: RequestDoc[] = []): RequestDoc[] {
    for (let i = 0; i < n && this.#pending.size > 0; i++) this.#evictOldest(out);
    return out;
  }

  #evictOldest(out: RequestDoc[]): void {
    const oldest = this.#pending.values().next().value!;
    this.counters.partial++;
    out.push(this.#emit(oldest, 'partial'));
  }

  #emit(e: Entry, state: JoinState): RequestDoc {
    this.#pending.delete(e.id);
    e.state = 'retained';
    e.emittedAt = Math.max(this.#watermark, e.last);
    this.#retained.set(e.id, e);
    while (this.#retained.size > this.options.maxRetained) this.#drop(this.#retained.values().next().value!);
    if (state === 'complete') this.counters.complete++;
    return this.#doc(e, state);
  }

  #drop(e: Entry): void {
    this.#retained.delete(e.id);
    e.state = 'gone';
    e.hops = [];
    e.spans = null;
  }

  #doc(e: Entry, state: JoinState): RequestDoc {
    return buildRequestDoc(e, state, this.#docOptions);
  }

  /**
   * Moves the watermark to `now` (or to the newest event minus the skew when omitted) and emits
   * every request that is due. The live processor also calls it on a timer with a wall-clock
   * estimate, so a quiet mesh still gets its requests out.
   */
  advance(now?: number, out: RequestDoc[] = []): RequestDoc[] {
    const target = now ?? this.#maxEvent - this.options.allowedSkewMs;
    if (target > this.#watermark) this.#watermark = target;
    while (this.#heap.peekDue() <= this.#watermark) {
      const e = this.#heap.pop()!;
      if (e.state !== 'pending') continue;
      const due = this.#due(e);
      if (due > this.#watermark) {
        this.#heap.push(due, e);
        continue;
      }
      out.push(this.#emit(e, 'complete'));
    }
    const late = this.options.lateRetentionMs;
    // A head still retained is still first: entries only join at the end, and leave by #drop.
    const head = this.#retainedHead;
    if (head !== undefined && head.state === 'retained' && head.emittedAt + late > this.#watermark) return out;
    this.#retainedHead = undefined;
    for (const e of this.#retained.values()) {
      if (e.emittedAt + late > this.#watermark) {
        this.#retainedHead = e;
        break;
      }
      this.#drop(e);
    }
    return out;
  }

  /**
   * Emits everything still pending, oldest first: `complete` at the end of an offline replay
   * (all input has been seen), `partial` at shutdown of a live pipeline.
   */
  flush(state: 'complete' | 'partial' = 'complete', out: RequestDoc[] = []): RequestDoc[] {
    for (const e of [...this.#pending.values()]) {
      if (state === 'partial') this.counters.partial++;
      out.push(this.#emit(e, state));
    }
    return out;
  }

  /** Newest event time seen, epoch ms. */
  get maxEventTime(): number {
    return this.#maxEvent;
  }
}
