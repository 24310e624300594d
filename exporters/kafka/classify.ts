import type { Classified } from '../../pipeline/exporter/classified.ts';
import { KafkaSendError, type OutMessage } from '../../pipeline/kafka/client.ts';

/** A record larger than this cannot be written with the broker's default max.message.bytes. */
export const MAX_RECORD_BYTES = 1_000_000;

/**
 * A produce request Kafka would refuse for one record's size, known before the round trip: it is
 * split down to that record alone, which then goes to dead letters with the reason.
 */
export function classifyRequest(messages: OutMessage[]): Classified | undefined {
  const big = messages.find((m) => m.value.length > MAX_RECORD_BYTES);
  if (big) return { kind: 'split', reason: `record of ${big.value.length} bytes exceeds ${MAX_RECORD_BYTES}` };
  return undefined;
}

/**
 * What a produce came to, as a pure function of the error it threw (none: acknowledged by every
 * in-sync replica). A KafkaSendError that says a resend cannot help is permanent; anything else
 * (broker down, leader moved, timeout) is worth retrying.
 */
export function classifyProduce(error?: unknown): Classified {
  if (error === undefined) return { kind: 'done' };
  if (error instanceof KafkaSendError && !error.retriable) return { kind: 'permanent', reason: error.message };
  return { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
}
