import { collectGarbage } from './gc.ts';
import { rssMiB } from './usage.ts';

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
  /** Reads the process's usage in MiB; the resident set by default (worker threads included). */
  read?: () => number;
  /** Runs a full GC when a background reading is past the soft limit. Default: a real V8 GC. */
  collect?: () => void;
}

/** At most one forced GC this often: a full GC of a large heap takes tens of milliseconds. */
const MIN_GC_GAP_MS = 1000;

/** Readings closer together than this reuse the last one, so a burst of requests reads once. */
const MIN_READ_GAP_MS = 10;

/**
 * A memory limiter in the manner of the Collector's `memory_limiter`: usage is read every
 * `checkIntervalMs` and again on every question (at most every 10 ms). Receivers ask
 * `pastSoftLimit()` before they accept data and refuse with a retryable answer past it; the join
 * asks `pastHardLimit()` to emit its oldest requests early. RSS, not heap, is what the kubelet
 * kills a pod for, and it includes the worker threads and buffers outside the heap. Past the soft
 * limit the background check forces a GC (at most once a second), as the Collector does.
 */
export class MemoryLimiter {
  readonly limitMiB: number;
  readonly softLimitMiB: number;
  readonly #read: () => number;
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
    this.#read = opts.read ?? rssMiB;
    this.#intervalMs = opts.checkIntervalMs ?? 1000;
    this.#collect = opts.collect ?? collectGarbage;
  }

  /** Starts the background reading; the timer does not keep the process alive. Returns this. */
  start(): this {
    this.#timer ??= setInterval(() => this.#check(), this.#intervalMs).unref();
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
