import { z } from 'zod';
import { kafkaConnectionShape } from '../../pipeline/kafka/connection.ts';

/** `kafka` receiver: a consumer group reading records that meshlog agents (or processors) produced. */
export const kafkaReceiverConfig = z.strictObject({
  ...kafkaConnectionShape,
  /** Topics to read. Default: [meshlog-records]. */
  topics: z.array(z.string().min(1)).min(1).default(['meshlog-records']),
  /** Consumer group; the partitions are shared among its members. Default: meshlog-processor. */
  groupId: z.string().min(1).default('meshlog-processor'),
  /** Where a group without committed offsets starts: true = the oldest record kept. Default: true. */
  fromBeginning: z.boolean().default(true),
  /** A member silent this long is dead and its partitions move to the others. Default: 30000. */
  sessionTimeoutMs: z.number().int().min(6000).default(30_000),
  /** How often the commit points move to Kafka. Default: 1000. */
  commitIntervalMs: z.number().int().positive().default(1000),
  /** Records handed downstream and not yet settled; past it, fetching waits. Default: 50000. */
  maxInFlightRecords: z.number().int().positive().default(50_000),
  /** Wait before a batch that came back retryable is fetched again. Default: 1000. */
  retryBackoffMs: z.number().int().positive().default(1000),
});

export type KafkaReceiverConfig = z.infer<typeof kafkaReceiverConfig>;
