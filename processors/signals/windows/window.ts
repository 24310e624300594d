import { DDSketch } from '@datadog/sketches-js';
import type { ErrorClass } from '../../../pipeline/records.ts';
import { BottomKSample } from './sample.ts';

export const ERROR_CLASSES: readonly ErrorClass[] = ['ok', 'app', 'mesh', 'client_abort', 'no_route', 'rate_limited'];

/**
 * Counts per error class, a DDSketch of latency (ms, ≤ 1% relative error) and a bottom-k sample
 * of latencies, for one route over some span of time. Everything in it merges exactly, so
 * partial windows from many processors add up to the window of all their data.
 */
export class WindowStats {
  readonly counts: Record<ErrorClass, number> = {
    ok: 0,
    app: 0,
    mesh: 0,
    client_abort: 0,
    no_route: 0,
    rate_limited: 0,
  };
  readonly sketch: DDSketch;
  readonly sample: BottomKSample;
  /** Set when a record is added; the windows' emitter clears it once it has sent this bucket. */
  changed = false;

  constructor(sampleSize: number, relativeAccuracy = 0.01) {
    this.sketch = new DDSketch({ relativeAccuracy });
    this.sample = new BottomKSample(sampleSize);
  }

  get requests(): number {
    let n = 0;
    for (const c of ERROR_CLASSES) n += this.counts[c];
    return n;
  }

  add(errorClass: ErrorClass, latencyMs: number | null, hash: number): void {
    this.counts[errorClass]++;
    if (latencyMs !== null && latencyMs >= 0) {
      this.sketch.accept(latencyMs);
      this.sample.add(hash, latencyMs);
    }
  }

  merge(other: WindowStats): this {
    for (const c of ERROR_CLASSES) this.counts[c] += other.counts[c];
    if (other.sketch.count > 0) this.sketch.merge(other.sketch);
    this.sample.merge(other.sample);
    return this;
  }

  quantile(q: number): number | null {
    return this.sketch.count > 0 ? this.sketch.getValueAtQuantile(q) : null;
  }
}

/** A window's mergeable state as two base64 strings: the DDSketch protobuf and the bottom-k sample (hash, ms pairs). */
export interface WindowState {
  sketch: string;
  sample: string;
}

export function encodeState(stats: WindowStats): WindowState {
  const entries = stats.sample.entries();
  const pairs = new Float64Array(entries.length * 2);
  entries.forEach(([h, v], i) => {
    pairs[2 * i] = h;
    pairs[2 * i + 1] = v;
  });
  return {
    sketch: Buffer.from(stats.sketch.toProto()).toString('base64'),
    sample: Buffer.from(pairs.buffer).toString('base64'),
  };
}

/** Rebuilds the stats of a partial from its counts and state; throws on a state that does not decode. */
export function decodeState(
  counts: Record<ErrorClass, number>,
  state: WindowState,
  sampleSize: number,
  relativeAccuracy = 0.01,
): WindowStats {
  const stats = new WindowStats(sampleSize, relativeAccuracy);
  for (const c of ERROR_CLASSES) {
    const n = counts[c];
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`window count ${c} must be a non-negative integer, got ${n}`);
    stats.counts[c] = n;
  }
  const sketch = DDSketch.fromProto(Buffer.from(state.sketch, 'base64'));
  if (sketch.count > 0) stats.sketch.merge(sketch);
  const bytes = Buffer.from(state.sample, 'base64');
  if (bytes.length % 16 !== 0) throw new RangeError(`window sample has ${bytes.length} bytes, not pairs of doubles`);
  const pairs = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  for (let i = 0; i < pairs.length; i += 2) stats.sample.add(pairs[i], pairs[i + 1]);
  return stats;
}
