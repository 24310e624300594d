import { z } from 'zod';
import { kafkaConnectionShape } from '../../pipeline/kafka/connection.ts';

/** `kafka` exporter: records to a topic, keyed so that what belongs together lands in one partition. */
export const kafkaExporterConfig = z.strictObject({
  ...kafkaConnectionShape,
  /** Topic to write. Default: meshlog-records. */
  topic: z.string().min(1).default('meshlog-records'),
  /** Compression of each produced batch. Default: zstd. */
  compression: z.enum(['none', 'gzip', 'zstd']).default('zstd'),
  /** Create the topic at start when it does not exist. Default: true. */
  createTopics: z.boolean().default(true),
  /** Partitions of a topic meshlog creates; -1 = the broker's num.partitions. Default: 12. */
  partitions: z
    .number()
    .int()
    .min(-1)
    .refine((n) => n !== 0, 'must be -1 or at least 1')
    .default(12),
  /** Replication of a topic meshlog creates; -1 = the broker's default.replication.factor. Default: -1. */
  replicationFactor: z
    .number()
    .int()
    .min(-1)
    .refine((n) => n !== 0, 'must be -1 or at least 1')
    .default(-1),
});

export type KafkaExporterConfig = z.infer<typeof kafkaExporterConfig>;
