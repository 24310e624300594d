import type { KafkaConnection } from './connection.ts';

/**
 * The few Kafka operations meshlog needs, behind one interface so the client library can be
 * swapped (kafkajs today: `kafkajs-client.ts`). Offsets are decimal strings, as on the wire.
 */

export type Compression = 'none' | 'gzip' | 'zstd';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface OutMessage {
  /** Same key, same partition: `null` spreads messages over the partitions. */
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface InMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface FetchedBatch extends TopicPartition {
  messages: InMessage[];
}

/** What the consumer gives `onBatch` so a slow handler keeps its group membership. */
export interface BatchControl {
  heartbeat(): Promise<void>;
  /** True once a rebalance took this batch's partition away, or the consumer is stopping. */
  isStale(): boolean;
}

export interface ConsumerHooks {
  /**
   * One fetched batch of one partition. The consumer fetches nothing more until it resolves, so
   * waiting here is backpressure; call `heartbeat` while waiting longer than a few seconds.
   */
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  /**
   * The whole assignment after each rebalance. Fetching resumes from the committed offsets, so
   * everything fetched before and not committed is delivered again.
   */
  onAssigned(assignment: TopicPartition[]): void;
}

export interface KafkaProducer {
  connect(): Promise<void>;
  /**
   * Resolves once every in-sync replica has the messages (acks=all, idempotent producer).
   * Rejects with a `KafkaSendError` saying whether a retry can help.
   */
  send(topic: string, messages: OutMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface KafkaGroupConsumer {
  /** Joins the group and starts fetching; resolves once the fetch loop runs. */
  start(topics: string[], fromBeginning: boolean, hooks: ConsumerHooks): Promise<void>;
  /** Commits `offset` = the next offset to read, per partition. */
  commit(offsets: Array<TopicPartition & { offset: string }>): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** The next fetch of this partition starts at `offset`. */
  seek(partition: TopicPartition & { offset: string }): void;
  /** Leaves the group (its partitions go to the others) and closes the connections. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  /** -1: the broker's num.partitions. */
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
}

export interface KafkaClient {
  producer(opts: { compression: Compression }): KafkaProducer;
  consumer(opts: { groupId: string; sessionTimeoutMs: number }): KafkaGroupConsumer;
  /** Creates the topics that do not exist yet; returns the names it created. */
  ensureTopics(topics: TopicSpec[]): Promise<string[]>;
}

export type KafkaClientFactory = (connection: KafkaConnection, logContext: string) => KafkaClient;

/** A failed produce; `retriable` false means resending the same messages cannot succeed (e.g. too large). */
export class KafkaSendError extends Error {
  readonly retriable: boolean;
  constructor(message: string, retriable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KafkaSendError';
    this.retriable = retriable;
  }
}
