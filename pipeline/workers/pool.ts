import { Piscina } from 'piscina';
import { availableParallelism } from 'node:os';
import { processHeapSources } from '../memory/heap-sources.ts';
import { workersLiveBytes } from '../memory/usage.ts';
import type { Metrics } from '../telemetry/metrics.ts';

export interface WorkerPoolOptions {
  /** Worker threads; default: available cores minus one, at least 1. */
  threads?: number;
  /** Tasks that may wait for a worker before `run` waits too; default 64. */
  maxQueuedTasks?: number;
}

/**
 * The CPU pool (piscina). Callers send whole batches (hundreds of records in one transferable
 * buffer), never one task per record: a task costs tens of microseconds of messaging.
 * `run` waits while `maxQueuedTasks` are already queued, so a flood of batches pushes back
 * instead of growing an unbounded task list.
 */
export class WorkerPool {
  readonly #piscina: Piscina;
  readonly #maxQueued: number;
  readonly #removeHeapSource: () => void;
  #waiters: Array<() => void> = [];
  #queued = 0;

  constructor(opts: WorkerPoolOptions = {}, metrics?: Metrics) {
    const threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`workers.threads must be a positive integer, got ${threads}`);
    this.#maxQueued = opts.maxQueuedTasks ?? 64;
    this.#piscina = new Piscina({ minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
    // The memory limiter counts the threads' heaps: batches being parsed live there. The thread
    // list is read each time, as piscina replaces a thread that crashed.
    const piscina = this.#piscina;
    this.#removeHeapSource = processHeapSources.add(() => workersLiveBytes(piscina.threads));
    if (metrics) {
      metrics.poolProbe = () => ({ utilization: piscina.utilization, queueSize: piscina.queueSize });
    }
  }

  get threads(): number {
    return this.#piscina.threads.length;
  }

  async run<R>(filename: string, task: unknown, transferList: ArrayBuffer[] = []): Promise<R> {
    while (this.#queued >= this.#maxQueued) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#queued++;
    try {
      return (await this.#piscina.run(task, { filename, transferList: transferList as never })) as R;
    } finally {
      this.#queued--;
      this.#waiters.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.#removeHeapSource();
    await this.#piscina.close();
  }
}
