import { processHeapSources } from './heap-sources.ts';
import { isolateLiveBytes, rssBytes } from './usage.ts';

const MIB = 2 ** 20;

/** What `LiveUsage` reads; the real process by default, fakes in tests. */
export interface UsageProbes {
  rssBytes(): number;
  /** Live bytes of the main thread's isolate; synchronous and cheap (asked on every request). */
  mainLiveBytes(): number;
  /** Live bytes of the other isolates (worker threads); asynchronous, refreshed in the background. */
  otherLiveBytes(): Promise<number>;
}

const PROCESS_PROBES: UsageProbes = {
  rssBytes,
  mainLiveBytes: isolateLiveBytes,
  otherLiveBytes: () => processHeapSources.liveBytes(),
};

/**
 * The memory the process really holds, in the manner of the Collector's memory_limiter, which
 * reads the Go runtime's live heap rather than RSS:
 *
 *   used = min(rss, main isolate live + worker isolates live + baseline)
 *
 * - RSS alone does not fall after a burst: glibc keeps freed memory for reuse, so RSS stayed at
 *   410–433 MiB with 32–100 MiB live and receivers refused forever. Live V8 memory (heap in use
 *   plus Buffers/ArrayBuffers) falls as soon as a GC frees it.
 * - `baseline` is the memory outside the V8 heaps (code, the runtime's own allocations) that live
 *   V8 figures miss: RSS minus live when this object is built, before any load. Measured once,
 *   not kept up to date, since later RSS growth is exactly the kept-but-free memory to ignore.
 * - `min(rss, …)` keeps the limiter never stricter than RSS, which is what the kubelet kills a pod
 *   for: memory V8 accounts for but the OS never had to provide does not count.
 * Worker heaps can only be read asynchronously, so `refresh()` (the limiter's background check)
 * updates them and `read()` adds the last figure to the main thread's figure read on the spot.
 * Not counted: native memory that is really held beyond the baseline (sockets, zlib, TLS).
 */
export class LiveUsage {
  readonly baselineBytes: number;
  readonly #probes: UsageProbes;
  #otherBytes = 0;
  #refreshing: Promise<void> | undefined;

  constructor(probes: UsageProbes = PROCESS_PROBES) {
    this.#probes = probes;
    this.baselineBytes = Math.max(0, probes.rssBytes() - probes.mainLiveBytes());
  }

  /** Usage in MiB, with the worker figures of the last refresh. */
  read(): number {
    const live = this.#probes.mainLiveBytes() + this.#otherBytes + this.baselineBytes;
    return Math.min(this.#probes.rssBytes(), live) / MIB;
  }

  /** Reads the worker heaps again; one read at a time (a slow thread must not pile up reads). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#probes
      .otherLiveBytes()
      .then(
        (bytes) => void (this.#otherBytes = bytes),
        () => undefined, // keep the last figure; the next check reads again
      )
      .finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }
}
