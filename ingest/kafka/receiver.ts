import { Ack, createBatch, type Outcome } from '../../pipeline/batch.ts';
import { backoffMs, sleep } from '../../pipeline/backoff.ts';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import type {
  BatchControl,
  FetchedBatch,
  KafkaClient,
  KafkaGroupConsumer,
  TopicPartition,
} from '../../pipeline/kafka/client.ts';
import { CONTENT_TYPE_HEADER, codecOf } from '../../pipeline/kafka/codec.ts';
import { createKafkajsClient } from '../../pipeline/kafka/kafkajs-client.ts';
import { Origin } from '../../pipeline/origin.ts';
import { kafkaReceiverConfig, type KafkaReceiverConfig } from './config.ts';
import { PartitionOffsets, type InFlight } from './offsets.ts';

const keyOf = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

/**
 * Reads records from Kafka as a member of a consumer group and sends them into the pipeline.
 *
 * Commits: each fetched batch becomes one pipeline batch whose ack is tracked per partition; the
 * committed offset is one past the longest run of settled batches, so a record is committed only
 * when it and everything before it is delivered (or rejected and dead-lettered). A `retryable`
 * outcome seeks the partition back to that batch, after `retryBackoffMs`.
 * Backpressure: when the pipeline stays full the partition is paused until it takes the batch;
 * past `maxInFlightRecords` unsettled records, fetching waits.
 * Rebalances: each assigned partition is one Origin (`<receiver id>:<topic>/<partition>`) that its
 * batches carry on their ack. Partitions that moved away are forgotten (no more commits for them)
 * and their origins announced lost (`ctx.origins`), so a processor drops what it holds from them:
 * the member that gains them reads those records again from the committed offset.
 */
export class KafkaReceiver implements Receiver {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: KafkaReceiverConfig;
  readonly #next: Intake;
  readonly #client: KafkaClient;
  #consumer: KafkaGroupConsumer | undefined;
  readonly #partitions = new Map<string, PartitionOffsets>();
  /** Partitions waiting for their seek after a retryable outcome; their fetched batches are skipped. */
  readonly #rewinding = new Set<string>();
  #assignment: TopicPartition[] = [];
  /** The origin of each partition assigned now; a partition assigned again gets a new one. */
  readonly #origins = new Map<string, Origin>();
  #timer: NodeJS.Timeout | undefined;
  #committing: Promise<void> = Promise.resolve();
  #stopping = false;
  #joining: Promise<void> = Promise.resolve();

  constructor(config: KafkaReceiverConfig, ctx: ComponentContext, next: Intake, client?: KafkaClient) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#next = next;
    this.#client = client ?? createKafkajsClient(config, ctx.logger);
  }

  /** Partitions this member owns now. */
  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }

  /** Joins in the background: a broker that is down, or a topic not created yet, only delays reading. */
  async start(): Promise<void> {
    this.#joining = this.#join();
    this.#timer = setInterval(() => void this.#commit(), this.#config.commitIntervalMs);
  }

  async #join(): Promise<void> {
    for (let attempt = 0; !this.#stopping; attempt++) {
      const consumer = this.#client.consumer({
        groupId: this.#config.groupId,
        sessionTimeoutMs: this.#config.sessionTimeoutMs,
      });
      try {
        await consumer.start(this.#config.topics, this.#config.fromBeginning, {
          onBatch: (batch, control) => this.#onBatch(batch, control),
          onAssigned: (assignment) => this.#onAssigned(assignment),
        });
        this.#consumer = consumer;
        return;
      } catch (err) {
        this.#ctx.logger.warn({ err: (err as Error).message, attempt }, 'kafka consumer could not join; retrying');
        await consumer.stop().catch(() => undefined);
        await sleep(backoffMs(attempt, 500, 5000));
      }
    }
  }

  #onAssigned(assignment: TopicPartition[]): void {
    const now = new Set(assignment.map(keyOf));
    const revoked = this.#assignment.filter((tp) => !now.has(keyOf(tp)));
    const lost: Origin[] = [];
    for (const tp of revoked) {
      const key = keyOf(tp);
      this.#partitions.delete(key);
      this.#rewinding.delete(key);
      const origin = this.#origins.get(key);
      if (origin) lost.push(origin);
      this.#origins.delete(key);
    }
    this.#assignment = assignment;
    for (const tp of assignment) this.#originOf(tp);
    this.#ctx.logger.info(
      { assigned: assignment.map(keyOf), revoked: revoked.map(keyOf) },
      'kafka partitions assigned',
    );
    this.#ctx.origins.lost(lost);
  }

  #originOf(tp: TopicPartition): Origin {
    const key = keyOf(tp);
    let origin = this.#origins.get(key);
    if (!origin) this.#origins.set(key, (origin = new Origin(`${this.name}:${key}`)));
    return origin;
  }

  async #onBatch(fetched: FetchedBatch, control: BatchControl): Promise<void> {
    const tp: TopicPartition = { topic: fetched.topic, partition: fetched.partition };
    const key = keyOf(tp);
    if (control.isStale() || this.#stopping || this.#rewinding.has(key) || fetched.messages.length === 0) return;
    // Taken now: if a rebalance takes the partition away while this batch waits below, the batch
    // still carries the origin that is then lost, and processors drop it.
    const origin = this.#originOf(tp);
    const records = this.#decode(fetched);

    // Bounded: past the cap of unsettled records, wait (heartbeating) for the pipeline to settle some.
    while (this.#inFlightRecords() >= this.#config.maxInFlightRecords) {
      await sleep(50);
      await control.heartbeat();
      if (control.isStale() || this.#stopping) return;
    }

    let offsets = this.#partitions.get(key);
    if (!offsets) this.#partitions.set(key, (offsets = new PartitionOffsets()));
    const first = Number(fetched.messages[0].offset);
    const last = Number(fetched.messages[fetched.messages.length - 1].offset);
    if (records.length === 0) {
      offsets.settle(offsets.add(first, last, 0));
      return;
    }

    // A refused offer leaves its ack unsettled or settled `retryable` by a fan-out; either way it
    // is not the one that counts, so each attempt gets a fresh ack and only the accepted one is tracked.
    let paused = false;
    for (;;) {
      const ack = new Ack(origin);
      if (await this.#next.offer(createBatch(records, ack), 1000)) {
        const inFlight = offsets.add(first, last, records.length);
        void ack.settled.then((outcome) => this.#settled(tp, offsets, inFlight, outcome));
        break;
      }
      if (!paused) {
        this.#consumer?.pause([tp]);
        paused = true;
      }
      await control.heartbeat();
      if (control.isStale() || this.#stopping) break;
      await sleep(10);
    }
    if (paused) this.#consumer?.resume([tp]);
    this.#ctx.metrics.accepted.inc({ component: this.name }, records.length);
  }

  #decode(fetched: FetchedBatch): unknown[] {
    const records: unknown[] = [];
    const { metrics, deadLetters } = this.#ctx;
    metrics.received.inc({ component: this.name }, fetched.messages.length);
    for (const m of fetched.messages) {
      const contentType = m.headers[CONTENT_TYPE_HEADER];
      const codec = codecOf(contentType);
      let reason: string | undefined;
      if (!m.value) reason = 'empty message';
      else if (!codec) reason = `unknown content-type ${contentType}`;
      else {
        try {
          const record = codec.decode(m.value);
          if (record && typeof record === 'object' && !Array.isArray(record)) records.push(record);
          else reason = 'not a record (expected a JSON object)';
        } catch (err) {
          reason = (err as Error).message;
        }
      }
      if (reason !== undefined) {
        metrics.reject(this.name, 'MESHLOG_DECODE_FAILED');
        deadLetters.write({
          component: this.name,
          code: 'MESHLOG_DECODE_FAILED',
          reason: `${fetched.topic}/${fetched.partition}@${m.offset}: ${reason}`,
          payload: m.value ?? '',
        });
      }
    }
    return records;
  }

  #settled(tp: TopicPartition, offsets: PartitionOffsets, f: InFlight, outcome: Outcome): void {
    const key = keyOf(tp);
    // The partition moved away (or was re-created after a revoke): its new owner reads it again.
    if (this.#partitions.get(key) !== offsets) return;
    if (outcome.status === 'delivered') return offsets.settle(f);
    if (outcome.status === 'rejected') {
      // Whoever rejected it dead-lettered it with the reason; reading it again cannot help.
      this.#ctx.metrics.reject(this.name, outcome.code, f.records);
      return offsets.settle(f);
    }
    const at = offsets.rewind(f);
    // Stopping: the batch stays uncommitted for the next owner; no seek.
    if (at === undefined || this.#stopping) return;
    this.#ctx.metrics.retried.inc({ component: this.name, reason: 'retryable' }, f.records);
    this.#ctx.logger.warn({ partition: key, offset: at, reason: outcome.reason }, 'batch retryable: reading it again');
    this.#rewinding.add(key);
    this.#consumer?.pause([tp]);
    setTimeout(() => {
      if (this.#partitions.get(key) !== offsets || this.#stopping) return;
      this.#consumer?.seek({ ...tp, offset: String(at) });
      this.#rewinding.delete(key);
      this.#consumer?.resume([tp]);
    }, outcome.retryAfterMs ?? this.#config.retryBackoffMs).unref();
  }

  #inFlightRecords(): number {
    let n = 0;
    for (const p of this.#partitions.values()) n += p.inFlightRecords;
    return n;
  }

  /** Moves every commit point that changed to Kafka; commits never overlap. */
  #commit(): Promise<void> {
    this.#committing = this.#committing.then(async () => {
      const consumer = this.#consumer;
      if (!consumer) return;
      const due: Array<TopicPartition & { offset: string }> = [];
      const owners: Array<[PartitionOffsets, number]> = [];
      for (const tp of this.#assignment) {
        const p = this.#partitions.get(keyOf(tp));
        const offset = p?.toCommit();
        if (p && offset !== undefined) {
          due.push({ ...tp, offset: String(offset) });
          owners.push([p, offset]);
        }
      }
      if (due.length === 0) return;
      try {
        await consumer.commit(due);
        for (const [p, offset] of owners) p.committedUpTo(offset);
      } catch (err) {
        // A rebalance in progress refuses commits; the next tick (or the new owner) catches up.
        this.#ctx.logger.warn({ err: (err as Error).message }, 'kafka commit failed; retrying on the next tick');
      }
    });
    return this.#committing;
  }

  /**
   * Stops fetching, announces every partition's origin lost (processors drop what they hold of
   * them), waits (up to half the drain time) for what is in the pipeline to settle, commits it and
   * leaves the group. What is not settled by then is read again by the member that takes the
   * partitions over. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#timer);
    await this.#joining;
    const consumer = this.#consumer;
    if (!consumer) return;
    consumer.pause(this.#assignment);
    // Leaving the group moves every partition as a rebalance does: what processors hold of them
    // (a join's open requests, whose later parts this member will not fetch) is dropped and read
    // again, whole, by the next owner, instead of being emitted incomplete and committed here.
    this.#ctx.origins.lost([...this.#origins.values()]);
    this.#origins.clear();
    const deadline = Date.now() + 4000;
    while (this.#inFlightRecords() > 0 && Date.now() < deadline) await sleep(50);
    await this.#commit();
    await consumer.stop();
  }
}

export const kafkaReceiverFactory: ReceiverFactory<KafkaReceiverConfig> = {
  kind: 'receiver',
  type: 'kafka',
  config: kafkaReceiverConfig,
  create: (config, ctx, next) => new KafkaReceiver(config, ctx, next),
};
