import type { CallsRecord } from '../../../pipeline/records.ts';
import { edgeName, type Call, type Edge } from './call.ts';
import { encodeEdge } from './codec.ts';

/** Calls in one CallsRecord at most: about 460 KB, under the broker's default 1 MB message. */
const MAX_CALLS_PER_RECORD = 20_000;

/**
 * The calls a processor observed since it last sent them, grouped by edge, for the breakers and the
 * load tracker of the `--mode signals` instances. Bounded: past `maxCalls` unsent calls, new ones
 * are counted in `dropped` instead (the exporter is not taking what we emit).
 */
export class CallLog {
  readonly source: string;
  readonly #maxCalls: number;
  #byEdge = new Map<string, { edge: Edge; calls: Call[] }>();
  #size = 0;
  #seq = 0;
  readonly #idleMs: number;
  /**
   * Newest event time per origin (a Kafka partition: its records come in order, the origins do
   * not), with our clock when it last moved.
   */
  readonly #origins = new Map<string, { t: number; movedAt: number }>();
  dropped = 0;

  /** An origin whose newest time has not moved for `idleMs` no longer holds the watermark back. */
  constructor(source: string, idleMs: number, maxCalls = 500_000) {
    this.source = source;
    this.#idleMs = idleMs;
    this.#maxCalls = maxCalls;
  }

  add(edge: Edge, call: Call): void {
    if (this.#size >= this.#maxCalls) {
      this.dropped++;
      return;
    }
    const name = edgeName(edge);
    let entry = this.#byEdge.get(name);
    if (!entry) this.#byEdge.set(name, (entry = { edge, calls: [] }));
    entry.calls.push(call);
    this.#size++;
  }

  /** A record of event time `t` from `origin` was observed (its call, if any, added). */
  advance(t: number, origin = '', now = Date.now()): void {
    const o = this.#origins.get(origin);
    if (!o) this.#origins.set(origin, { t, movedAt: now });
    else if (t > o.t) {
      o.t = t;
      o.movedAt = now;
    }
  }

  /** The origin went to another process (a revoked partition): it no longer holds the watermark back. */
  forget(origin: string): void {
    this.#origins.delete(origin);
  }

  /**
   * The time up to which every call has been added: the oldest of the active origins' newest times,
   * as each origin delivers its records in event time (a partition holds one sender's lines in
   * order); with every origin idle, the newest of all.
   */
  watermark(now = Date.now()): number {
    let active = Infinity;
    let newest = -Infinity;
    for (const o of this.#origins.values()) {
      if (now - o.movedAt < this.#idleMs) active = Math.min(active, o.t);
      newest = Math.max(newest, o.t);
    }
    return Number.isFinite(active) ? active : Number.isFinite(newest) ? newest : 0;
  }

  /**
   * The records to send: the calls since the last take, in records of at most MAX_CALLS_PER_RECORD,
   * the watermark on each. Once anything was observed a record goes on every take, empty if need
   * be: it tells the signals that this source is alive and has nothing older to send.
   */
  take(now = Date.now()): CallsRecord[] {
    if (this.#origins.size === 0) return [];
    const watermark = this.watermark(now);
    const out: CallsRecord[] = [];
    let edges: CallsRecord['calls.edges'] = [];
    let count = 0;
    let first = Infinity;
    const flush = () => {
      const seq = this.#seq++;
      out.push({
        '@timestamp': new Date(Number.isFinite(first) ? first : watermark).toISOString(),
        'event.dataset': 'meshlog.calls',
        'event.id': `${this.source}#${seq}`,
        'calls.source': this.source,
        'calls.seq': seq,
        'calls.watermark': watermark,
        'calls.count': count,
        'calls.edges': edges,
      });
      edges = [];
      count = 0;
      first = Infinity;
    };
    for (const { edge, calls } of this.#byEdge.values()) {
      for (let i = 0; i < calls.length; i += MAX_CALLS_PER_RECORD) {
        const part = calls.slice(i, i + MAX_CALLS_PER_RECORD);
        if (count + part.length > MAX_CALLS_PER_RECORD) flush();
        edges.push(encodeEdge(edge, part));
        count += part.length;
        for (const c of part) first = Math.min(first, c.t);
      }
    }
    if (count > 0 || out.length === 0) flush();
    this.#byEdge = new Map();
    this.#size = 0;
    return out;
  }
}
