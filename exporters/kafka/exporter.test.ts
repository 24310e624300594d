import { describe, expect, it } from 'vitest';
import { createBatch, type Outcome } from '../../pipeline/batch.ts';
import { KafkaSendError, type KafkaClient, type KafkaProducer, type OutMessage } from '../../pipeline/kafka/client.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { kafkaExporterConfig } from './config.ts';
import { KafkaExporter } from './exporter.ts';

/** A stand-in broker (unit test only): `send` waits for the test to answer it. */
class FakeBroker implements KafkaClient {
  readonly sent: Array<{ topic: string; messages: OutMessage[] }> = [];
  readonly pending: Array<{ resolve: () => void; reject: (e: Error) => void; messages: OutMessage[] }> = [];
  producers = 0;
  producer(): KafkaProducer {
    this.producers++;
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: (topic, messages) =>
        new Promise<void>((resolve, reject) =>
          this.pending.push({
            messages,
            reject,
            resolve: () => {
              this.sent.push({ topic, messages });
              resolve();
            },
          }),
        ),
    };
  }
  consumer(): never {
    throw new Error('not used');
  }
  async ensureTopics(): Promise<string[]> {
    return [];
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

function exporter() {
  const broker = new FakeBroker();
  const ctx = testContext('kafka');
  const config = kafkaExporterConfig.parse({ brokers: ['127.0.0.1:9092'], topic: 't' });
  return { broker, ctx, exp: new KafkaExporter(config, ctx, broker) };
}

const hop = (id: string | null, extra: Record<string, unknown> = {}) => ({
  'event.dataset': 'envoy.access',
  'http.request.id': id,
  ...extra,
});

describe('KafkaExporter', () => {
  it('settles delivered only once Kafka acknowledged the produce, keyed by request id', async () => {
    const { broker, exp } = exporter();
    await exp.start();
    const batch = createBatch([hop('r-1'), hop(null)]);
    await exp.consume(batch);
    await until(() => broker.pending.length === 1);
    await tick();
    expect(batch.ack.outcome).toBeUndefined();
    broker.pending.shift()!.resolve();
    expect(await batch.ack.settled).toEqual({ status: 'delivered' });
    const [{ topic, messages }] = broker.sent;
    expect(topic).toBe('t');
    expect(messages.map((m) => m.key)).toEqual(['r-1', null]);
    expect(JSON.parse(messages[0].value.toString())).toEqual(hop('r-1'));
    expect(messages[0].headers).toEqual({ 'content-type': 'application/json' });
  });

  it('retries a failed produce on a fresh producer and never drops the batch', async () => {
    const { broker, exp, ctx } = exporter();
    await exp.start();
    const batch = createBatch([hop('r-1')]);
    await exp.consume(batch);
    await until(() => broker.pending.length === 1);
    broker.pending.shift()!.reject(new KafkaSendError('Connection error: connect ECONNREFUSED', true));
    await until(() => broker.pending.length === 1);
    expect(batch.ack.outcome).toBeUndefined();
    expect(broker.producers).toBe(2);
    broker.pending.shift()!.resolve();
    expect(await batch.ack.settled).toEqual({ status: 'delivered' });
    expect((await ctx.metrics.retried.get()).values.map((v) => v.value)).toEqual([1]);
  });

  it('pushes back: consume waits while 10,000 records are unacknowledged, 8 produce requests at a time', async () => {
    const { broker, exp } = exporter();
    await exp.start();
    const full = createBatch(Array.from({ length: 10_000 }, (_, i) => hop(`r-${i}`)));
    await exp.consume(full);
    const last = createBatch([hop('r-last')]);
    let lastAccepted = false;
    const accepting = exp.consume(last).then(() => (lastAccepted = true));
    await until(() => broker.pending.length === 8);
    await tick();
    expect(broker.pending.length).toBe(8);
    expect(broker.pending[0].messages).toHaveLength(1000);
    expect(lastAccepted).toBe(false);
    broker.pending.shift()!.resolve();
    await accepting;
    expect(lastAccepted).toBe(true);
    expect(full.ack.outcome).toBeUndefined();
    while (full.ack.outcome === undefined || last.ack.outcome === undefined) {
      await until(() => broker.pending.length > 0);
      broker.pending.shift()!.resolve();
      await tick();
    }
    expect([full.ack.outcome, last.ack.outcome]).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(broker.sent.flatMap((s) => s.messages).length).toBe(10_001);
  });

  it('dead-letters a record Kafka can never take and settles the batch rejected', async () => {
    const { broker, exp, ctx } = exporter();
    await exp.start();
    const batch = createBatch([hop('big', { blob: 'x'.repeat(1_100_000) }), hop('ok')]);
    await exp.consume(batch);
    await until(() => broker.pending.length === 1);
    expect(broker.pending[0].messages.map((m) => m.key)).toEqual(['ok']);
    broker.pending.shift()!.resolve();
    const outcome: Outcome = await batch.ack.settled;
    expect(outcome).toEqual({
      status: 'rejected',
      code: 'MESHLOG_EXPORT_FAILED',
      reason: '1 of 2 records refused by Kafka (in dead letters)',
    });
    expect(ctx.deadLetters.entries).toHaveLength(1);
    expect(ctx.deadLetters.entries[0].reason).toMatch(/exceeds 1000000/);
  });

  it('a permanent produce error dead-letters the messages instead of retrying', async () => {
    const { broker, exp, ctx } = exporter();
    await exp.start();
    const batch = createBatch([hop('r-1')]);
    await exp.consume(batch);
    await until(() => broker.pending.length === 1);
    broker.pending.shift()!.reject(new KafkaSendError('The request included a message larger than the max', false));
    expect(await batch.ack.settled).toMatchObject({ status: 'rejected' });
    expect(ctx.deadLetters.entries.map((e) => e.code)).toEqual(['MESHLOG_EXPORT_FAILED']);
  });

  it('shutdown settles what Kafka has not taken retryable', async () => {
    const { broker, exp } = exporter();
    await exp.start();
    const batch = createBatch([hop('r-1')]);
    await exp.consume(batch);
    await until(() => broker.pending.length === 1);
    const stopping = exp.shutdown();
    // Nothing answers: after its wait the exporter gives the batch back.
    expect(await batch.ack.settled).toEqual({
      status: 'retryable',
      reason: 'kafka shut down before Kafka took the batch',
    });
    await stopping;
    const late = createBatch([hop('r-2')]);
    await exp.consume(late);
    expect(late.ack.outcome).toMatchObject({ status: 'retryable' });
    expect(broker.pending).toHaveLength(1);
  }, 15_000);
});
