import { Piscina } from 'piscina';
import { availableParallelism } from 'node:os';
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
  #waiters: Array<() => void> = [];
  #queued = 0;

  constructor(opts: WorkerPoolOptions = {}, metrics?: Metrics) {
    const threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`workers.threads must be a positive integer, got ${threads}`);
    this.#maxQueued = opts.maxQueuedTasks ?? 64;
    this.#piscina = new Piscina({ minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
    if (metrics) {
      const piscina = this.#piscina;
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
    await this.#piscina.close();
  }
}
