import { collectGarbage } from './gc.ts';
import { LiveUsage } from './live-usage.ts';

export interface MemoryLimiterOptions {
  /** The hard limit, in MiB: past it the join emits its oldest requests early. */
  limitMiB: number;
  /**
   * Headroom below the hard limit, in MiB; past `limitMiB - spikeLimitMiB` (the soft limit)
   * receivers refuse new data. Default: 20% of `limitMiB`, as the Collector's memory_limiter does.
   */
  spikeLimitMiB?: number;
  /** How often usage is read in the background. Default: 1000. */
  checkIntervalMs?: number;
  /**
   * Reads the process's usage in MiB. Default: the live V8 memory of the main thread and the worker
   * threads plus a baseline, capped by RSS (see LiveUsage).
   */
  read?: () => number;
  /**
   * Updates what `read` can only learn asynchronously (the worker heaps); run by the background
   * check, every `checkIntervalMs`. Default: the default `read`'s worker heaps; none with a given `read`.
   */
  refresh?: () => Promise<void>;
  /** Runs a full GC when a background reading is past the soft limit. Default: a real V8 GC. */
  collect?: () => void;
}

/** At most one forced GC this often: a full GC of a large heap takes tens of milliseconds. */
const MIN_GC_GAP_MS = 1000;

/**
 * Readings closer together than this reuse the last one, so a burst of requests reads once. Each
 * reading reads RSS from /proc (~20 µs): at 10 ms that was 2.5 % of the main thread under the
 * spans load (bench/results/profiles/spans-main.txt). The Collector reads once a second.
 */
export const MIN_READ_GAP_MS = 50;

/**
 * A memory limiter in the manner of the Collector's `memory_limiter`: usage is read every
 * `checkIntervalMs` and again on every question (at most every 50 ms). Receivers ask
 * `pastSoftLimit()` before they accept data and refuse with a retryable answer past it; the join
 * asks `pastHardLimit()` to emit its oldest requests early. Usage is the memory really held (live
 * V8 memory of every thread plus a baseline, capped by RSS; see LiveUsage), not RSS itself: after a
 * burst the allocator keeps freed memory, RSS stays high, and a limiter reading RSS refused data
 * forever. Past the soft limit the background check forces a GC of the main thread (at most once
 * a second), as the Collector does.
 */
export class MemoryLimiter {
  readonly limitMiB: number;
  readonly softLimitMiB: number;
  readonly #read: () => number;
  readonly #refreshAsync: (() => Promise<void>) | undefined;
  readonly #intervalMs: number;
  readonly #collect: () => void;
  #gcAt = 0;
  #usedMiB = 0;
  #readAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: MemoryLimiterOptions) {
    const spike = opts.spikeLimitMiB ?? opts.limitMiB * 0.2;
    if (!(opts.limitMiB > 0)) throw new RangeError(`memoryLimitMiB must be positive, got ${opts.limitMiB}`);
    if (!(spike >= 0 && spike < opts.limitMiB))
      throw new RangeError(`memorySpikeLimitMiB must be in [0, ${opts.limitMiB}), got ${spike}`);
    this.limitMiB = opts.limitMiB;
    this.softLimitMiB = opts.limitMiB - spike;
    if (opts.read) {
      this.#read = opts.read;
      this.#refreshAsync = opts.refresh;
    } else {
      const usage = new LiveUsage();
      this.#read = () => usage.read();
      this.#refreshAsync = opts.refresh ?? (() => usage.refresh());
    }
    this.#intervalMs = opts.checkIntervalMs ?? 1000;
    this.#collect = opts.collect ?? collectGarbage;
  }

  /** Starts the background reading; the timer does not keep the process alive. Returns this. */
  start(): this {
    this.#timer ??= setInterval(() => this.#check(), this.#intervalMs).unref();
    void this.#refreshAsync?.();
    this.#refresh(true);
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The last reading, in MiB. */
  get usedMiB(): number {
    return this.#usedMiB;
  }

  pastSoftLimit(): boolean {
    return this.#refresh(false) > this.softLimitMiB;
  }

  pastHardLimit(): boolean {
    return this.#refresh(false) > this.limitMiB;
  }

  /** The background check: past the soft limit, collect garbage (rate-limited) and read again. */
  #check(): void {
    // The worker figures land in a few ms and are used from the next reading on: a reading is at
    // most one interval behind on the workers, never on the main thread.
    void this.#refreshAsync?.();
    if (this.#refresh(true) <= this.softLimitMiB || Date.now() - this.#gcAt < MIN_GC_GAP_MS) return;
    this.#gcAt = Date.now();
    this.#collect();
    this.#refresh(true);
  }

  #refresh(force: boolean): number {
    const now = Date.now();
    if (force || now - this.#readAt >= MIN_READ_GAP_MS) {
      this.#usedMiB = this.#read();
      this.#readAt = now;
    }
    return this.#usedMiB;
  }
}
