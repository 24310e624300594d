import type { Batch, Outcome } from '../../pipeline/batch.ts';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import type { ComponentContext, Exporter } from '../../pipeline/component.ts';
import type { ExporterFactory } from '../../pipeline/factory.ts';
import { KafkaSendError, type KafkaClient, type KafkaProducer, type OutMessage } from '../../pipeline/kafka/client.ts';
import { CONTENT_TYPE_HEADER, codecFor } from '../../pipeline/kafka/codec.ts';
import { createKafkajsClient } from '../../pipeline/kafka/kafkajs-client.ts';
import { kafkaExporterConfig, type KafkaExporterConfig } from './config.ts';
import { partitionKey } from './keys.ts';

/** Batches being produced at once; past it `consume` waits, which pushes back on the receivers. */
const MAX_IN_FLIGHT = 8;
/** Bytes of one produce request; a larger batch is sent in parts (the broker's default cap is 1 MiB). */
const MAX_REQUEST_BYTES = 512 * 1024;
/** A record larger than this cannot be written with the broker's default max.message.bytes. */
const MAX_RECORD_BYTES = 1_000_000;
/** How long shutdown waits for batches still being produced before settling them retryable. */
const SHUTDOWN_WAIT_MS = 5000;

const codec = codecFor('json');

/**
 * Writes records to one topic. A batch settles `delivered` only when Kafka acknowledged every
 * record (acks=all, idempotent producer). While the broker is unreachable a batch is retried
 * without limit and `consume` waits once MAX_IN_FLIGHT batches are pending, so receivers push back;
 * nothing is dropped. A record Kafka can never take (too large) goes to dead letters and the batch
 * settles `rejected`. Shutdown settles what is still unsent `retryable`.
 */
export class KafkaExporter implements Exporter {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: KafkaExporterConfig;
  readonly #client: KafkaClient;
  #producer: KafkaProducer | undefined;
  #ready: Promise<void> | undefined;
  readonly #inFlight = new Map<Promise<void>, Batch<unknown>>();
  #closed = false;

  constructor(config: KafkaExporterConfig, ctx: ComponentContext, client?: KafkaClient) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#client = client ?? createKafkajsClient(config, ctx.logger);
  }

  /** Connects in the background: a broker that is down at start only delays the first batch. */
  async start(): Promise<void> {
    this.#ready = this.#open();
  }

  async #open(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        if (this.#config.createTopics) {
          const created = await this.#client.ensureTopics([
            {
              topic: this.#config.topic,
              partitions: this.#config.partitions,
              replicationFactor: this.#config.replicationFactor,
            },
          ]);
          if (created.length) this.#ctx.logger.info({ topics: created }, 'kafka topic created');
        }
        const producer = this.#client.producer({ compression: this.#config.compression });
        await producer.connect();
        this.#producer = producer;
        return;
      } catch (err) {
        this.#ctx.logger.warn({ err: (err as Error).message, attempt }, 'kafka not reachable; retrying');
        await sleep(backoffMs(attempt, 200, 5000));
      }
    }
  }

  async consume(batch: Batch<unknown>): Promise<void> {
    while (this.#inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.#inFlight.keys());
    if (this.#closed) {
      batch.ack.settle({ status: 'retryable', reason: `${this.name} is shutting down` });
      return;
    }
    const task: Promise<void> = this.#deliver(batch).then(
      (outcome) => batch.ack.settle(outcome),
      (err: unknown) => batch.ack.settle({ status: 'retryable', reason: (err as Error).message }),
    );
    this.#inFlight.set(task, batch);
    void task.finally(() => this.#inFlight.delete(task));
  }

  async #deliver(batch: Batch<unknown>): Promise<Outcome> {
    const parts: OutMessage[][] = [];
    let part: OutMessage[] = [];
    let bytes = 0;
    let refused = 0;
    for (const record of batch.records) {
      const value = codec.encode(record);
      if (value.length > MAX_RECORD_BYTES) {
        refused++;
        this.#deadLetter(value, `record of ${value.length} bytes exceeds ${MAX_RECORD_BYTES}`);
        continue;
      }
      if (bytes + value.length > MAX_REQUEST_BYTES && part.length > 0) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push({ key: partitionKey(record), value, headers: { [CONTENT_TYPE_HEADER]: codec.contentType } });
      bytes += value.length;
    }
    if (part.length > 0) parts.push(part);
    for (const messages of parts) {
      const outcome = await this.#send(messages);
      if (outcome.status === 'retryable') return outcome;
      if (outcome.status === 'rejected') refused += messages.length;
    }
    if (refused > 0)
      return {
        status: 'rejected',
        code: 'MESHLOG_EXPORT_FAILED',
        reason: `${refused} of ${batch.records.length} records refused by Kafka (in dead letters)`,
      };
    return { status: 'delivered' };
  }

  /** Sends until Kafka has the messages, the error is permanent, or the exporter shuts down. */
  async #send(messages: OutMessage[]): Promise<Outcome> {
    const { metrics, logger } = this.#ctx;
    for (let attempt = 0; ; attempt++) {
      await this.#ready;
      const producer = this.#producer;
      if (this.#closed || !producer) return { status: 'retryable', reason: `${this.name} is shutting down` };
      const t0 = performance.now();
      try {
        await producer.send(this.#config.topic, messages);
        metrics.exported.inc({ component: this.name }, messages.length);
        metrics.exportLatency.observe({ component: this.name }, (performance.now() - t0) / 1000);
        return { status: 'delivered' };
      } catch (err) {
        if (err instanceof KafkaSendError && !err.retriable) {
          for (const m of messages) this.#deadLetter(m.value, err.message);
          return { status: 'rejected', code: 'MESHLOG_EXPORT_FAILED', reason: err.message };
        }
        metrics.retried.inc({ component: this.name, reason: 'kafka_unavailable' }, messages.length);
        logger.warn({ err: (err as Error).message, attempt }, 'kafka produce failed; retrying');
        await sleep(backoffMs(attempt, 200, 5000));
        // A fresh idempotent producer after a failure: the old one's sequence numbers may no longer
        // match what the broker has, which would refuse every later send.
        if (producer === this.#producer) this.#ready = this.#replace(producer);
      }
    }
  }

  async #replace(old: KafkaProducer): Promise<void> {
    this.#producer = undefined;
    await old.disconnect().catch(() => undefined);
    await this.#open();
  }

  #deadLetter(value: Buffer, reason: string): void {
    this.#ctx.metrics.reject(this.name, 'MESHLOG_EXPORT_FAILED');
    this.#ctx.deadLetters.write({
      component: this.name,
      code: 'MESHLOG_EXPORT_FAILED',
      reason: `kafka topic ${this.#config.topic}: ${reason}`,
      payload: value,
    });
  }

  /** Waits up to SHUTDOWN_WAIT_MS for pending batches, settles the rest `retryable`, disconnects. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    const pending = Promise.all(this.#inFlight.keys());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise((r) => (timer = setTimeout(r, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    this.#closed = true;
    for (const batch of this.#inFlight.values())
      batch.ack.settle({ status: 'retryable', reason: `${this.name} shut down before Kafka took the batch` });
    await this.#producer?.disconnect().catch(() => undefined);
  }
}

export const kafkaExporterFactory: ExporterFactory<KafkaExporterConfig> = {
  kind: 'exporter',
  type: 'kafka',
  config: kafkaExporterConfig,
  create: (config, ctx) => new KafkaExporter(config, ctx),
};
