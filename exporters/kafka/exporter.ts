import type { Batch } from '../../pipeline/batch.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import { SendQueue } from '../../pipeline/exporter/send-queue.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import type { KafkaClient, OutMessage } from '../../pipeline/kafka/client.ts';
import { CONTENT_TYPE_HEADER, codecFor } from '../../pipeline/kafka/codec.ts';
import { createKafkajsClient } from '../../pipeline/kafka/kafkajs-client.ts';
import { kafkaExporterConfig, type KafkaExporterConfig } from './config.ts';
import { partitionKey } from './keys.ts';
import { ProducerTransport } from './producer.ts';

/** Records buffered and not yet acknowledged by Kafka; past it `consume` waits, which pushes back on the receivers. */
const MAX_BUFFERED_RECORDS = 10_000;
/** Produce requests in flight at once. */
const MAX_IN_FLIGHT = 8;
/** Bytes of one produce request (the broker's default cap is 1 MiB). */
const MAX_REQUEST_BYTES = 512 * 1024;
/** Records of one produce request. */
const MAX_REQUEST_RECORDS = 1000;
/** Longest a record waits for its request to fill: short, so agent-mode latency does not grow. */
const FLUSH_MS = 5;
/** How long shutdown waits for records still being produced before giving their batches back. */
const SHUTDOWN_WAIT_MS = 5000;

const codec = codecFor('json');
const headers = { [CONTENT_TYPE_HEADER]: codec.contentType };

/**
 * Writes records to one topic, on the shared exporter helper (`SendQueue`); this file keeps only
 * what is Kafka's: the encoding and key of each record, and the dead letters. The transport
 * (`producer.ts`) and its classifier (`classify.ts`) are beside it.
 *
 * A batch settles `delivered` only when Kafka acknowledged every record (acks=all, idempotent
 * producer). While the broker is unreachable records are retried without limit (on a fresh
 * producer after each failure) and `consume` waits once MAX_BUFFERED_RECORDS are unacknowledged,
 * so receivers push back; nothing is dropped. A record Kafka can never take (over MAX_RECORD_BYTES,
 * or a send Kafka refuses for good) goes to dead letters and its batch settles `rejected`, so in
 * agent mode the sender is told. Shutdown waits up to SHUTDOWN_WAIT_MS, then settles what is
 * still unsent `retryable`.
 */
export class KafkaExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: KafkaExporterConfig;
  readonly #transport: ProducerTransport;
  readonly #queue: SendQueue<OutMessage>;
  #stopped = false;

  constructor(config: KafkaExporterConfig, ctx: ComponentContext, client?: KafkaClient) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#transport = new ProducerTransport(client ?? createKafkajsClient(config, ctx.logger), config, ctx.logger);
    this.#queue = new SendQueue<OutMessage>(
      ctx,
      {
        size: (m) => m.value.length,
        send: (messages) => this.#transport.send(messages),
        deadLetter: (m, reason) => this.#deadLetter(m, reason),
      },
      {
        maxItems: MAX_BUFFERED_RECORDS,
        maxBatchItems: MAX_REQUEST_RECORDS,
        maxBatchBytes: MAX_REQUEST_BYTES,
        flushMs: FLUSH_MS,
        concurrency: MAX_IN_FLIGHT,
        retry: { initialMs: 200, maxMs: 5000, deadlineMs: Infinity },
        deadLettered: 'rejected',
        rejectedReason: (dead, total) => `${dead} of ${total} records refused by Kafka (in dead letters)`,
      },
    );
  }

  /** Connects in the background: a broker that is down at start only delays the first batch. */
  async start(): Promise<void> {
    this.#transport.start();
  }

  async consume(batch: Batch<unknown>): Promise<void> {
    const messages = batch.records.map((r) => ({ key: partitionKey(r), value: codec.encode(r), headers }));
    await this.#queue.add(messages, batch.ack);
  }

  #deadLetter(m: OutMessage, reason: string): OutMessage[] {
    this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED');
    this.#ctx.deadLetters.write({
      component: this.name,
      code: 'MESHLOG_EXPORT_FAILED',
      reason: `kafka topic ${this.#config.topic}: ${reason}`,
      payload: m.value,
    });
    return [];
  }

  /** Waits up to SHUTDOWN_WAIT_MS for pending records, settles the rest `retryable`, disconnects. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#queue.drain(SHUTDOWN_WAIT_MS);
    this.#queue.abandon(`${this.name} shut down before Kafka took the batch`);
    await this.#transport.close();
  }
}

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  kind: 'exporter',
  type: 'kafka',
  config: kafkaExporterConfig,
  create: (config, ctx) => new KafkaExporter(config, ctx),
};
