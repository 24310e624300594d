import { DDSketch } from '@datadog/sketches-js';
import type { ErrorClass } from '../../pipeline/records.ts';
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
