import type { Batch } from '../batch.ts';
import type { Intake } from '../component.ts';

/** An Intake that keeps what it is given (a unit-test stand-in for the pipeline). */
export class CaptureIntake<T = unknown> implements Intake<T> {
  readonly records: T[] = [];
  full = false;
  async consume(batch: Batch<T>): Promise<void> {
    this.records.push(...batch.records);
    batch.ack.settle({ status: 'delivered' });
  }
  async offer(batch: Batch<T>): Promise<boolean> {
    if (this.full) return false;
    await this.consume(batch);
    return true;
  }
  /** Resolves once `n` records have arrived (or rejects after `ms`). */
  async waitFor(n: number, ms = 5000): Promise<T[]> {
    const end = Date.now() + ms;
    while (this.records.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} records, got ${this.records.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.records;
  }
}
