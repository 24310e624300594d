/**
 * A batch is the unit that moves through the pipeline. It carries an acknowledgement that settles
 * exactly once as `delivered`, `retryable` or `rejected`; sources (the Kafka consumer, receivers
 * that wait for delivery) use it to commit or to answer their sender.
 *
 * Ownership: after `consume(batch)` resolves, the caller must not touch `batch.records` again.
 */
import { PipelineError, type ErrorCode } from './errors.ts';
import type { Origin } from './origin.ts';

export type Outcome =
  | { status: 'delivered' }
  | { status: 'retryable'; reason: string; retryAfterMs?: number; code?: ErrorCode }
  | { status: 'rejected'; reason: string; code: ErrorCode };

export interface Batch<T> {
  readonly records: T[];
  readonly ack: Ack;
}

export class Ack {
  #outcome: Outcome | undefined;
  #resolve!: (o: Outcome) => void;
  readonly settled: Promise<Outcome>;
  /** Where the batch was read from, when its source can lose it (see origin.ts). */
  readonly origin: Origin | undefined;

  constructor(origin?: Origin) {
    this.origin = origin;
    this.settled = new Promise<Outcome>((resolve) => (this.#resolve = resolve));
  }

  get outcome(): Outcome | undefined {
    return this.#outcome;
  }

  /** Settles once; later calls are ignored, so a fan-out cannot flip an outcome after the fact. */
  settle(outcome: Outcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    this.#resolve(outcome);
  }

  /**
   * Splits this ack into `n` children, each with this ack's origin; it settles when all of them
   * have. The combined outcome is the worst one: rejected beats retryable beats delivered.
   */
  split(n: number): Ack[] {
    if (n === 0) {
      this.settle({ status: 'delivered' });
      return [];
    }
    const children = Array.from({ length: n }, () => new Ack(this.origin));
    void Promise.all(children.map((c) => c.settled)).then((outcomes) => this.settle(worstOf(outcomes)));
    return children;
  }
}

export function worstOf(outcomes: Outcome[]): Outcome {
  return (
    outcomes.find((o) => o.status === 'rejected') ??
    outcomes.find((o) => o.status === 'retryable') ?? { status: 'delivered' }
  );
}

/**
 * The outcome an error means for the batch it hit: a permanent PipelineError rejects it with its
 * code; a retryable or throttled one (and anything else, which cannot be proven final) makes it
 * retryable, keeping the code and the other side's `retryAfterMs`.
 */
export function outcomeOf(err: unknown): Outcome {
  const reason = err instanceof Error ? err.message : String(err);
  if (!(err instanceof PipelineError)) return { status: 'retryable', reason };
  if (err.kind === 'permanent') return { status: 'rejected', reason, code: err.code };
  return {
    status: 'retryable',
    reason,
    code: err.code,
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  };
}

export function createBatch<T>(records: T[], ack: Ack = new Ack()): Batch<T> {
  return { records, ack };
}
