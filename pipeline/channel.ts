import { outcomeOf, type Batch } from './batch.ts';
import type { Consumer } from './component.ts';
import type { DeadLetterSink } from './deadletter.ts';
import { PipelineError } from './errors.ts';

/**
 * A bounded FIFO of batches in front of a consumer, drained by `concurrency` loops.
 * `consume` waits while the channel is full (backpressure); `offer` gives up after a deadline so
 * a receiver can answer its sender 429/503 instead of holding the connection forever.
 */
export class BoundedChannel<T> implements Consumer<T> {
  readonly name: string;
  readonly capacity: number;
  #queue: Batch<T>[] = [];
  #spaceWaiters: Array<() => void> = [];
  #itemWaiters: Array<() => void> = [];
  #closed = false;
  #loops: Promise<void>[] = [];
  #target: Consumer<T>;
  #onDepth: ((depth: number) => void) | undefined;
  #deadLetters: DeadLetterSink | undefined;

  constructor(opts: {
    name: string;
    capacity: number;
    target: Consumer<T>;
    concurrency?: number;
    onDepth?: (depth: number) => void;
    /** Where the records of a batch its consumer rejected permanently go, with the reason. */
    deadLetters?: DeadLetterSink;
  }) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1) {
      throw new RangeError(`channel ${opts.name}: capacity must be a positive integer, got ${opts.capacity}`);
    }
    this.name = opts.name;
    this.capacity = opts.capacity;
    this.#target = opts.target;
    this.#onDepth = opts.onDepth;
    this.#deadLetters = opts.deadLetters;
    const concurrency = opts.concurrency ?? 1;
    for (let i = 0; i < concurrency; i++) this.#loops.push(this.#drainLoop());
  }

  get depth(): number {
    return this.#queue.length;
  }

  async consume(batch: Batch<T>): Promise<void> {
    while (this.#queue.length >= this.capacity && !this.#closed) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    this.#enqueue(batch);
  }

  /** Enqueues if space frees up within `timeoutMs`; returns false otherwise (the caller pushes back). */
  async offer(batch: Batch<T>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length >= this.capacity && !this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#spaceWaiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    this.#enqueue(batch);
    return true;
  }

  #enqueue(batch: Batch<T>): void {
    if (this.#closed) throw new PipelineError('retryable', 'MESHLOG_SHUTTING_DOWN', { component: this.name });
    this.#queue.push(batch);
    this.#onDepth?.(this.#queue.length);
    this.#itemWaiters.shift()?.();
  }

  async #drainLoop(): Promise<void> {
    for (;;) {
      const batch = this.#queue.shift();
      if (!batch) {
        if (this.#closed) return;
        await new Promise<void>((resolve) => this.#itemWaiters.push(resolve));
        continue;
      }
      this.#onDepth?.(this.#queue.length);
      this.#spaceWaiters.shift()?.();
      try {
        await this.#target.consume(batch);
      } catch (err) {
        // The error's kind decides: permanent rejects the batch with its code (and dead-letters
        // its records), anything else is retryable.
        const outcome = outcomeOf(err);
        if (outcome.status === 'rejected' && this.#deadLetters) {
          for (const r of batch.records) {
            this.#deadLetters.write({
              component: this.name,
              code: outcome.code,
              reason: outcome.reason,
              payload: payloadOf(r),
            });
          }
        }
        batch.ack.settle(outcome);
      }
    }
  }

  /** Stops taking batches and resolves when everything queued has been handed on. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#itemWaiters.splice(0)) wake();
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    await Promise.all(this.#loops);
  }
}

/** A raw chunk is dead-lettered as the bytes that came in; any other record as its JSON. */
function payloadOf(record: unknown): Uint8Array | string {
  const data = (record as { data?: unknown } | null)?.data;
  return data instanceof Uint8Array ? data : JSON.stringify(record);
}
