import type { Ack } from '../batch.ts';
import type { TopicPartition } from './client.ts';

/**
 * Which partition a batch was read from, keyed by its ack (processors pass the ack on with the
 * records), so a stateful processor can drop what it holds for a partition that moved away.
 */
const sources = new WeakMap<Ack, TopicPartition>();

export function tagSource(ack: Ack, from: TopicPartition): void {
  sources.set(ack, from);
}

export function sourceOf(ack: Ack): TopicPartition | undefined {
  return sources.get(ack);
}
