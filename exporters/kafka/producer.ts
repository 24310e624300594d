import type { Logger } from 'pino';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import type { Classified } from '../../pipeline/exporter/classified.ts';
import type { KafkaClient, KafkaProducer, OutMessage } from '../../pipeline/kafka/client.ts';
import { classifyProduce, classifyRequest } from './classify.ts';
import type { KafkaExporterConfig } from './config.ts';

/**
 * The Kafka exporter's transport: one idempotent producer on one topic, sending one request and
 * classifying what came of it. It connects (and creates the topic) in the background, retrying
 * until the broker answers, so a broker that is down at start only delays the first send. After a
 * failed send that may be retried it starts over on a fresh producer: the old one's sequence
 * numbers may no longer match the broker's, which would refuse every later send.
 */
export class ProducerTransport {
  readonly #client: KafkaClient;
  readonly #config: KafkaExporterConfig;
  readonly #logger: Logger;
  #producer: KafkaProducer | undefined;
  #ready: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(client: KafkaClient, config: KafkaExporterConfig, logger: Logger) {
    this.#client = client;
    this.#config = config;
    this.#logger = logger;
  }

  start(): void {
    this.#ready = this.#open();
  }

  /** Sends once the producer is connected; resolves with the classification, never rejects. */
  async send(messages: OutMessage[]): Promise<Classified> {
    const refused = classifyRequest(messages);
    if (refused) return refused;
    await this.#ready;
    const producer = this.#producer;
    // Closed, or replaced after another send failed while this one waited: the queue retries it.
    if (!producer) return { kind: 'retry', reason: 'kafka producer reconnecting' };
    let error: unknown;
    try {
      await producer.send(this.#config.topic, messages);
    } catch (err) {
      error = err;
    }
    const answer = classifyProduce(error);
    // Only the first send to fail on this producer replaces it; the others wait for the new one.
    if (answer.kind === 'retry' && producer === this.#producer) {
      this.#logger.warn({ err: answer.reason }, 'kafka produce failed; retrying on a fresh producer');
      this.#ready = this.#replace(producer);
    }
    return answer;
  }

  async #open(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        if (this.#config.createTopics) {
          const { topic, partitions, replicationFactor } = this.#config;
          const created = await this.#client.ensureTopics([{ topic, partitions, replicationFactor }]);
          if (created.length) this.#logger.info({ topics: created }, 'kafka topic created');
        }
        const producer = this.#client.producer({ compression: this.#config.compression });
        await producer.connect();
        if (this.#closed) await producer.disconnect().catch(() => undefined);
        else this.#producer = producer;
        return;
      } catch (err) {
        this.#logger.warn({ err: (err as Error).message, attempt }, 'kafka not reachable; retrying');
        await sleep(backoffMs(attempt, 200, 5000));
      }
    }
  }

  async #replace(old: KafkaProducer): Promise<void> {
    this.#producer = undefined;
    await old.disconnect().catch(() => undefined);
    await this.#open();
  }

  /** Stops connecting and disconnects; a send after it answers `retry`. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
