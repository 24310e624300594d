import type { Batch } from '../batch.ts';
import type { Intake } from '../component.ts';

/**
 * Sends each batch to every target. The records array is shared, so consumers behind a fan-out
 * must treat records as read-only. The batch's ack settles with the worst of the targets' outcomes.
 */
export class Fanout<T> implements Intake<T> {
  readonly #targets: Intake<T>[];
  constructor(targets: Intake<T>[]) {
    this.#targets = targets;
  }

  async consume(batch: Batch<T>): Promise<void> {
    if (this.#targets.length === 1) return this.#targets[0].consume(batch);
    const acks = batch.ack.split(this.#targets.length);
    await Promise.all(this.#targets.map((t, i) => t.consume({ records: batch.records, ack: acks[i] })));
  }

  async offer(batch: Batch<T>, timeoutMs: number): Promise<boolean> {
    if (this.#targets.length === 1) return this.#targets[0].offer(batch, timeoutMs);
    // All or nothing would need a two-phase queue; instead the first target decides, and the rest
    // are awaited (they are normally fed at the same rate, so the first is a fair proxy).
    const acks = batch.ack.split(this.#targets.length);
    const first = await this.#targets[0].offer({ records: batch.records, ack: acks[0] }, timeoutMs);
    if (!first) {
      for (const a of acks) a.settle({ status: 'retryable', reason: 'pipeline full' });
      return false;
    }
    await Promise.all(this.#targets.slice(1).map((t, i) => t.consume({ records: batch.records, ack: acks[i + 1] })));
    return true;
  }
}
