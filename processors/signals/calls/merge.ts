import type { CallsRecord } from '../../../pipeline/records.ts';
import type { Call, Edge } from './call.ts';
import { decodeEdge } from './codec.ts';

interface Pending {
  edge: Edge;
  call: Call;
  source: string;
  seq: number;
  index: number;
  /** Our clock when its record came. */
  arrivedAt: number;
}

interface SourceState {
  watermark: number;
  /** Our clock when its watermark last moved. */
  movedAt: number;
  /** Our clock when its last record came. */
  heardAt: number;
  /** A record came since the watermark last moved: the source is alive with nothing new. */
  quiet: boolean;
  /** Sequence numbers seen lately (a retried produce may put one behind a later one). */
  seen: Set<number>;
}

/** Sequence numbers remembered per source: far more records than a retried produce can overtake. */
const SEEN_PER_SOURCE = 4096;

/**
 * Merges the calls that several processors sent (CallsRecords) into one stream in event time, so
 * that breakers fed from it take the decisions one process seeing every call would have taken.
 * A call is released once every source has promised (its watermark) that it has nothing older to
 * send, except sources that no longer hold the others back: an idle one (it keeps sending records,
 * one every emit interval, but its watermark has not moved for `idleMs`: Flink's idle sources) and
 * a gone one (nothing heard for `goneMs`: it died or left; a slow one is waited for until then).
 * A source nobody has heard of yet cannot hold anyone back, so every call also waits `idleMs`
 * after it came (a processor that starts sending makes itself known within an emit interval or two).
 * Ties in event time go by source name, then the source's order.
 * A record a source sent before (a replay of the topic) is recognised by its sequence number and
 * ignored. Bounded: past `maxPending` held calls everything held is released at once.
 */
export class CallMerge {
  readonly #idleMs: number;
  readonly #goneMs: number;
  readonly #maxPending: number;
  readonly #sources = new Map<string, SourceState>();
  #pending: Pending[] = [];
  /** CallsRecords seen twice. */
  replays = 0;
  /** Releases forced by the bound on held calls (their order may differ from event time). */
  forced = 0;

  constructor(idleMs: number, goneMs = Math.max(30_000, 10 * idleMs), maxPending = 1_000_000) {
    this.#idleMs = idleMs;
    this.#goneMs = goneMs;
    this.#maxPending = maxPending;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Takes a record's calls in (throws a RangeError, taking nothing, when the record is malformed). */
  add(r: CallsRecord, now: number): void {
    const source = r['calls.source'];
    const seq = r['calls.seq'];
    const watermark = r['calls.watermark'];
    if (typeof source !== 'string' || !source) throw new RangeError('calls record without calls.source');
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`calls.seq is not a sequence number: ${seq}`);
    if (typeof watermark !== 'number' || !Number.isFinite(watermark))
      throw new RangeError(`calls.watermark is not a time: ${watermark}`);
    if (!Array.isArray(r['calls.edges'])) throw new RangeError('calls.edges is not a list');
    const decoded = r['calls.edges'].map(decodeEdge);
    const state = this.#sources.get(source);
    if (state?.seen.has(seq)) {
      this.replays++;
      return;
    }
    let index = 0;
    for (const { edge, calls } of decoded)
      for (const call of calls) this.#pending.push({ edge, call, source, seq, index: index++, arrivedAt: now });
    if (!state)
      this.#sources.set(source, { watermark, movedAt: now, heardAt: now, quiet: false, seen: new Set([seq]) });
    else {
      state.seen.add(seq);
      if (state.seen.size > SEEN_PER_SOURCE) state.seen.delete(state.seen.values().next().value!);
      state.heardAt = now;
      if (watermark > state.watermark) {
        state.watermark = watermark;
        state.movedAt = now;
        state.quiet = false;
      } else state.quiet = true;
    }
  }

  /** The calls every source that holds the others back has vouched for, oldest first. */
  release(now: number): Array<{ edge: Edge; call: Call }> {
    if (this.#pending.length === 0) return [];
    let until = Infinity;
    for (const s of this.#sources.values()) {
      const idle = s.quiet && now - s.movedAt >= this.#idleMs;
      const gone = now - s.heardAt >= this.#goneMs;
      if (!idle && !gone) until = Math.min(until, s.watermark);
    }
    // Nothing at or after a call that is still in its grace time goes before it.
    let fresh = Infinity;
    for (const p of this.#pending) if (now - p.arrivedAt < this.#idleMs) fresh = Math.min(fresh, p.call.t);
    if (this.#pending.length > this.#maxPending) {
      [until, fresh] = [Infinity, Infinity];
      this.forced++;
    }
    const ready: Pending[] = [];
    const held: Pending[] = [];
    for (const p of this.#pending) (p.call.t <= until && p.call.t < fresh ? ready : held).push(p);
    this.#pending = held;
    ready.sort(
      (a, b) =>
        a.call.t - b.call.t ||
        (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
        a.seq - b.seq ||
        a.index - b.index,
    );
    return ready.map(({ edge, call }) => ({ edge, call }));
  }
}
