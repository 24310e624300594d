import { readFileSync } from 'node:fs';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import kafkajs, {
  CompressionTypes,
  Kafka,
  logLevel,
  Partitioners,
  type Consumer,
  type KafkaConfig,
  type LogEntry,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import {
  KafkaSendError,
  type Compression,
  type ConsumerHooks,
  type KafkaClient,
  type KafkaGroupConsumer,
  type KafkaProducer,
  type OutMessage,
  type TopicPartition,
  type TopicSpec,
} from './client.ts';
import type { KafkaConnection } from './connection.ts';

// kafkajs ships gzip only; Node's zlib has zstd, so no native codec package is needed. (The codec
// table is not a named export of the CommonJS module.)
kafkajs.CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: async (encoder: { buffer: Buffer }) => zstdCompressSync(encoder.buffer),
  decompress: async (buffer: Buffer) => zstdDecompressSync(buffer),
});

const COMPRESSION: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  zstd: CompressionTypes.ZSTD,
};

/** Produce errors that resending the same messages cannot fix; anything else is worth a retry. */
const PERMANENT = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** kafkajs under the `KafkaClient` interface. */
export function createKafkajsClient(connection: KafkaConnection, logger: Logger): KafkaClient {
  const kafka = new Kafka(kafkajsConfig(connection, logger));
  return {
    producer: (opts) => new KafkajsProducer(kafka, opts.compression),
    consumer: (opts) => new KafkajsGroupConsumer(kafka, opts.groupId, opts.sessionTimeoutMs),
    async ensureTopics(topics: TopicSpec[]): Promise<string[]> {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.topic));
        if (missing.length === 0) return [];
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
          })),
        });
        return missing.map((t) => t.topic);
      } finally {
        await admin.disconnect();
      }
    },
  };
}

function kafkajsConfig(c: KafkaConnection, logger: Logger): KafkaConfig {
  const config: KafkaConfig = {
    clientId: c.clientId,
    brokers: c.brokers,
    connectionTimeout: 3000,
    // kafkajs logs every failed request (a rebalance, a broker restarting) as an error, while it
    // retries on its own; meshlog logs what it does about failures itself. So only a consumer
    // crash (it restarts and rejoins) is a warning here, the rest is debug.
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      const {
        message,
        stack: _stack,
        timestamp: _t,
        logger: _l,
        ...rest
      } = entry.log as LogEntry['log'] & {
        stack?: string;
      };
      const fields = { kafkajs: entry.namespace, ...rest };
      if (entry.level === logLevel.ERROR && entry.namespace === 'Consumer') logger.warn(fields, message);
      else logger.debug(fields, message);
    },
  };
  if (c.tls) {
    config.ssl = {
      ca: c.tls.caFile ? [readFileSync(c.tls.caFile, 'utf8')] : undefined,
      cert: c.tls.certFile ? readFileSync(c.tls.certFile, 'utf8') : undefined,
      key: c.tls.keyFile ? readFileSync(c.tls.keyFile, 'utf8') : undefined,
    };
  }
  if (c.sasl) {
    const password = readFileSync(c.sasl.passwordFile, 'utf8').trim();
    config.sasl = { mechanism: c.sasl.mechanism, username: c.sasl.username, password } as SASLOptions;
  }
  return config;
}

class KafkajsProducer implements KafkaProducer {
  readonly #producer: Producer;
  readonly #compression: CompressionTypes;

  constructor(kafka: Kafka, compression: Compression) {
    // Idempotent: a retried request is written once. kafkajs then requires acks=all, retries
    // without limit (so `send` waits out a broker restart) and keeps one request in flight per
    // broker, which keeps the order of a key's messages.
    this.#producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java client: a key lands where any other producer puts it.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.#compression = COMPRESSION[compression];
  }

  connect(): Promise<void> {
    return this.#producer.connect();
  }

  async send(topic: string, messages: OutMessage[]): Promise<void> {
    try {
      await this.#producer.send({ topic, messages, acks: -1, compression: this.#compression, timeout: 10_000 });
    } catch (err) {
      throw new KafkaSendError((err as Error).message, !PERMANENT.has(rootType(err) ?? ''), { cause: err });
    }
  }

  disconnect(): Promise<void> {
    return this.#producer.disconnect();
  }
}

/** The protocol error name (`type`) under kafkajs' retry wrappers, if there is one. */
function rootType(err: unknown): string | undefined {
  let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (typeof e.type === 'string') return e.type;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return undefined;
}

class KafkajsGroupConsumer implements KafkaGroupConsumer {
  readonly #consumer: Consumer;

  constructor(kafka: Kafka, groupId: string, sessionTimeoutMs: number) {
    this.#consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
      // A crash (e.g. the broker gone longer than the retries) restarts the consumer, which
      // rejoins the group and resumes from the committed offsets.
      retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 10 },
    });
  }

  async start(topics: string[], fromBeginning: boolean, hooks: ConsumerHooks): Promise<void> {
    const c = this.#consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      const assignment: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment))
        for (const partition of partitions) assignment.push({ topic, partition });
      hooks.onAssigned(assignment);
    });
    await c.connect();
    await c.subscribe({ topics, fromBeginning });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        await hooks.onBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map((m) => ({
              offset: m.offset,
              key: m.key,
              value: m.value,
              headers: headersOf(m.headers),
            })),
          },
          { heartbeat, isStale: () => isStale() || !isRunning() },
        );
      },
    });
  }

  commit(offsets: Array<TopicPartition & { offset: string }>): Promise<void> {
    return this.#consumer.commitOffsets(offsets);
  }

  pause(partitions: TopicPartition[]): void {
    this.#consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  resume(partitions: TopicPartition[]): void {
    this.#consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  seek(p: TopicPartition & { offset: string }): void {
    this.#consumer.seek(p);
  }

  stop(): Promise<void> {
    return this.#consumer.disconnect();
  }
}

function headersOf(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = String(v);
  return out;
}
