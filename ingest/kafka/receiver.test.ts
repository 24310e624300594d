import { describe, expect, it } from 'vitest';
import type { Batch } from '../../pipeline/batch.ts';
import type { Intake } from '../../pipeline/component.ts';
import type { ConsumerHooks, KafkaClient, KafkaGroupConsumer, TopicPartition } from '../../pipeline/kafka/client.ts';
import type { Origin } from '../../pipeline/origin.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { kafkaReceiverConfig } from './config.ts';
import { KafkaReceiver } from './receiver.ts';

/** A stand-in group member (unit test only): the test feeds batches and reads what was committed. */
class FakeGroup implements KafkaClient, KafkaGroupConsumer {
  hooks!: ConsumerHooks;
  commits: Array<TopicPartition & { offset: string }> = [];
  seeks: Array<TopicPartition & { offset: string }> = [];
  paused = new Set<string>();
  stale = false;
  producer(): never {
    throw new Error('not used');
  }
  consumer(): KafkaGroupConsumer {
    return this;
  }
  async ensureTopics(): Promise<string[]> {
    return [];
  }
  async start(_topics: string[], _fromBeginning: boolean, hooks: ConsumerHooks): Promise<void> {
    this.hooks = hooks;
  }
  async commit(offsets: Array<TopicPartition & { offset: string }>): Promise<void> {
    this.commits.push(...offsets);
  }
  pause(tps: TopicPartition[]): void {
    for (const tp of tps) this.paused.add(`${tp.topic}/${tp.partition}`);
  }
  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.paused.delete(`${tp.topic}/${tp.partition}`);
  }
  seek(p: TopicPartition & { offset: string }): void {
    this.seeks.push(p);
  }
  async stop(): Promise<void> {}

  /** Delivers messages `from`..`to` of a partition, each a JSON record `{ n }`. */
  feed(partition: number, from: number, to: number, values?: Array<string | null>): Promise<void> {
    const messages = [];
    for (let o = from; o <= to; o++)
      messages.push({
        offset: String(o),
        key: null,
        value: values ? (values[o - from] === null ? null : Buffer.from(values[o - from]!)) : Buffer.from(`{"n":${o}}`),
        headers: {},
      });
    return this.hooks.onBatch(
      { topic: 't', partition, messages },
      { heartbeat: async () => undefined, isStale: () => this.stale },
    );
  }
}

/** An Intake that keeps the batches unsettled so the test settles them. */
class HoldingIntake implements Intake {
  batches: Batch<unknown>[] = [];
  full = false;
  async consume(batch: Batch<unknown>): Promise<void> {
    this.batches.push(batch);
  }
  async offer(batch: Batch<unknown>): Promise<boolean> {
    if (this.full) return false;
    this.batches.push(batch);
    return true;
  }
}

const settleTick = () => new Promise((r) => setTimeout(r, 0));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function receiver(overrides: Record<string, unknown> = {}) {
  const group = new FakeGroup();
  const intake = new HoldingIntake();
  const ctx = testContext('kafka');
  const config = kafkaReceiverConfig.parse({ brokers: ['127.0.0.1:9092'], commitIntervalMs: 10, ...overrides });
  const r = new KafkaReceiver(config, ctx, intake, group);
  await r.start();
  await until(() => group.hooks !== undefined);
  group.hooks.onAssigned([
    { topic: 't', partition: 0 },
    { topic: 't', partition: 1 },
  ]);
  return { group, intake, ctx, r };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await wait(5);
  expect(cond()).toBe(true);
}

describe('KafkaReceiver', () => {
  it('commits an offset only when every record at or below it is delivered', async () => {
    const { group, intake, r } = await receiver();
    await group.feed(0, 0, 9);
    await group.feed(0, 10, 19);
    expect(intake.batches.map((b) => b.records.length)).toEqual([10, 10]);
    expect(intake.batches[0].records[0]).toEqual({ n: 0 });
    expect(intake.batches[0].ack.origin?.name).toBe('kafka:t/0');
    intake.batches[1].ack.settle({ status: 'delivered' });
    await wait(40);
    expect(group.commits).toEqual([]);
    intake.batches[0].ack.settle({ status: 'delivered' });
    await until(() => group.commits.length > 0);
    expect(group.commits).toEqual([{ topic: 't', partition: 0, offset: '20' }]);
    await r.shutdown();
  });

  it('commits past a rejected batch (it is in dead letters) and counts it', async () => {
    const { group, intake, ctx, r } = await receiver();
    await group.feed(1, 0, 4);
    intake.batches[0].ack.settle({ status: 'rejected', reason: 'mapping conflict', code: 'MESHLOG_MAPPING_REJECTED' });
    await until(() => group.commits.length > 0);
    expect(group.commits).toEqual([{ topic: 't', partition: 1, offset: '5' }]);
    const rejected = await ctx.metrics.rejected.get();
    expect(rejected.values.find((v) => v.labels.reason === 'MESHLOG_MAPPING_REJECTED')?.value).toBe(5);
    await r.shutdown();
  });

  it('seeks back to a retryable batch after the backoff and reads it again', async () => {
    const { group, intake, r } = await receiver({ retryBackoffMs: 20 });
    await group.feed(0, 0, 9);
    await group.feed(0, 10, 19);
    intake.batches[0].ack.settle({ status: 'delivered' });
    intake.batches[1].ack.settle({ status: 'retryable', reason: 'elasticsearch down' });
    await settleTick();
    expect(group.paused.has('t/0')).toBe(true);
    // Batches fetched before the seek takes effect are skipped, not forwarded.
    await group.feed(0, 20, 29);
    expect(intake.batches).toHaveLength(2);
    await until(() => group.seeks.length === 1);
    expect(group.seeks).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    expect(group.paused.has('t/0')).toBe(false);
    await until(() => group.commits.length > 0);
    expect(group.commits.at(-1)).toEqual({ topic: 't', partition: 0, offset: '10' });
    await group.feed(0, 10, 19);
    intake.batches[2].ack.settle({ status: 'delivered' });
    await until(() => group.commits.at(-1)?.offset === '20');
    await r.shutdown();
  });

  it('stops committing for a revoked partition and announces its origin lost', async () => {
    const { group, intake, ctx, r } = await receiver();
    const lost: string[][] = [];
    ctx.origins.onLost((origins) => lost.push(origins.map((o) => o.name)));
    await group.feed(0, 0, 4);
    await group.feed(1, 0, 9);
    const [kept, revoked] = intake.batches.map((b) => b.ack.origin!);
    group.hooks.onAssigned([{ topic: 't', partition: 0 }]);
    expect(lost).toEqual([['kafka:t/1']]);
    // The batch read before the rebalance carries the lost origin: a processor holding it drops it.
    expect([kept.lost, revoked.lost]).toEqual([false, true]);
    intake.batches[1].ack.settle({ status: 'delivered' });
    await wait(50);
    expect(group.commits).toEqual([]);
    // A rebalance that keeps a partition announces nothing and keeps its origin.
    group.hooks.onAssigned([{ topic: 't', partition: 0 }]);
    await group.feed(0, 5, 9);
    expect(lost).toHaveLength(1);
    expect(intake.batches[2].ack.origin).toBe(kept);
    for (const b of intake.batches) b.ack.settle({ status: 'delivered' });
    await r.shutdown();
  });

  it('gives a partition that comes back a new origin, so batches read before the loss stay lost', async () => {
    const { group, intake, r } = await receiver();
    await group.feed(1, 0, 9);
    group.hooks.onAssigned([{ topic: 't', partition: 0 }]);
    group.hooks.onAssigned([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    await group.feed(1, 0, 9);
    const [before, after]: Origin[] = intake.batches.map((b) => b.ack.origin!);
    expect([before.name, after.name]).toEqual(['kafka:t/1', 'kafka:t/1']);
    expect([before.lost, after.lost]).toEqual([true, false]);
    intake.batches[1].ack.settle({ status: 'delivered' });
    await until(() => group.commits.length > 0);
    expect(group.commits).toEqual([{ topic: 't', partition: 1, offset: '10' }]);
    await r.shutdown();
  });

  it('at shutdown announces every origin lost and commits only what was delivered, without seeking', async () => {
    const { group, intake, ctx, r } = await receiver();
    const lost: string[][] = [];
    ctx.origins.onLost((origins) => lost.push(origins.map((o) => o.name).sort()));
    // As a join does: what it held of a lost origin comes back retryable.
    ctx.origins.onLost(() => intake.batches[0].ack.settle({ status: 'retryable', reason: 'origin lost' }));
    await group.feed(0, 0, 9);
    await group.feed(1, 0, 4);
    intake.batches[1].ack.settle({ status: 'delivered' });
    await r.shutdown();
    expect(lost).toEqual([['kafka:t/0', 'kafka:t/1']]);
    expect(group.commits).toEqual([{ topic: 't', partition: 1, offset: '5' }]);
    expect(group.seeks).toEqual([]);
  });

  it('pauses the partition while the pipeline is full and resumes when it takes the batch', async () => {
    const { group, intake, r } = await receiver();
    intake.full = true;
    const feeding = group.feed(0, 0, 2);
    await until(() => group.paused.has('t/0'));
    intake.full = false;
    await feeding;
    expect(group.paused.has('t/0')).toBe(false);
    expect(intake.batches).toHaveLength(1);
    intake.batches[0].ack.settle({ status: 'delivered' });
    await r.shutdown();
  });

  it('dead-letters a message that is not a record and commits past it', async () => {
    const { group, intake, ctx, r } = await receiver();
    await group.feed(0, 0, 2, ['{"n":0}', 'not json', null]);
    expect(intake.batches[0].records).toEqual([{ n: 0 }]);
    expect(ctx.deadLetters.entries.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^t\/0@1: /),
      't/0@2: empty message',
    ]);
    intake.batches[0].ack.settle({ status: 'delivered' });
    await until(() => group.commits.length > 0);
    expect(group.commits).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
    await r.shutdown();
  });
});
