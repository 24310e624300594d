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
  #watermark = -Infinity;
  #sentWatermark = -Infinity;
  dropped = 0;

  constructor(source: string, maxCalls = 500_000) {
    this.source = source;
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

  /** Every call up to event time `t` has been added (a record of that time was observed). */
  advance(t: number): void {
    if (t > this.#watermark) this.#watermark = t;
  }

  /**
   * The records to send: the calls since the last take, in records of at most MAX_CALLS_PER_RECORD,
   * the watermark on each. A record with no calls still goes when the watermark moved, so the
   * signals know this source has nothing older to send.
   */
  take(): CallsRecord[] {
    if (this.#size === 0 && this.#watermark === this.#sentWatermark) return [];
    const out: CallsRecord[] = [];
    let edges: CallsRecord['calls.edges'] = [];
    let count = 0;
    let first = Infinity;
    const flush = () => {
      const seq = this.#seq++;
      const at = Number.isFinite(first) ? first : this.#watermark;
      out.push({
        '@timestamp': new Date(Number.isFinite(at) ? at : Date.now()).toISOString(),
        'event.dataset': 'meshlog.calls',
        'event.id': `${this.source}#${seq}`,
        'calls.source': this.source,
        'calls.seq': seq,
        'calls.watermark': Number.isFinite(this.#watermark) ? this.#watermark : 0,
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
    this.#sentWatermark = this.#watermark;
    return out;
  }
}
