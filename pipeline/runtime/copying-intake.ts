import type { Batch } from '../batch.ts';
import type { Intake } from '../component.ts';

/**
 * Hands its target a deep copy of each batch's records, so a processor that changes records in
 * place (`Processor.mutates`, e.g. labels removing raw headers) cannot change what the other
 * targets of the same fan-out see. The ack is passed through unchanged.
 */
export class CopyingIntake<T> implements Intake<T> {
  readonly #target: Intake<T>;
  constructor(target: Intake<T>) {
    this.#target = target;
  }

  consume(batch: Batch<T>): Promise<void> {
    return this.#target.consume({ records: structuredClone(batch.records), ack: batch.ack });
  }

  offer(batch: Batch<T>, timeoutMs: number): Promise<boolean> {
    return this.#target.offer({ records: structuredClone(batch.records), ack: batch.ack }, timeoutMs);
  }
}
