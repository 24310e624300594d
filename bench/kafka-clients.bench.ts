import { Admin, Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { partitionKey } from '../exporters/kafka/keys.ts';
import { codecFor } from '../pipeline/kafka/codec.ts';
import type { Bench, Row } from './harness.ts';
import { accessRecords } from './kafka-records.ts';

/**
 * kafkajs (what meshlog runs) against @platformatic/kafka (pure TypeScript, maintained) on the same
 * broker and the same records: parsed access records, JSON, keyed by request id, acks=all,
 * idempotent, no compression, 500 records per send, one send at a time; then a fresh group reads
 * the topic from the start. Broker: MESHLOG_BENCH_KAFKA, default 127.0.0.1:9092 (the test Kafka).
 */
const BROKERS = (process.env.MESHLOG_BENCH_KAFKA ?? '127.0.0.1:9092').split(',');
const RECORDS = 100_000;
const PER_SEND = 500;
const PARTITIONS = 6;

interface Message {
  key: string;
  value: Buffer;
}

function messages(): Message[] {
  const codec = codecFor('json');
  const base = accessRecords(5000);
  return Array.from({ length: RECORDS }, (_, i) => {
    const r = { ...base[i % base.length], 'http.request.id': `bench-${i}` };
    return { key: partitionKey(r)!, value: codec.encode(r) };
  });
}

async function createTopic(topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'meshlog-bench', bootstrapBrokers: BROKERS });
  await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
  await admin.close();
}

async function kafkajsRun(msgs: Message[], topic: string): Promise<{ produce: number; consume: number }> {
  const kafka = new Kafka({ clientId: 'meshlog-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let t0 = performance.now();
  for (let i = 0; i < msgs.length; i += PER_SEND)
    await producer.send({ topic, acks: -1, messages: msgs.slice(i, i + PER_SEND) });
  const produce = msgs.length / ((performance.now() - t0) / 1000);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-g`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let got = 0;
  t0 = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        for (const m of batch.messages) if (m.value) got++;
        if (got >= msgs.length) resolve();
      },
    });
  });
  const consume = msgs.length / ((performance.now() - t0) / 1000);
  await consumer.disconnect();
  return { produce, consume };
}

async function platformaticRun(msgs: Message[], topic: string): Promise<{ produce: number; consume: number }> {
  const producer = new PlatformaticProducer({
    clientId: 'meshlog-bench',
    bootstrapBrokers: BROKERS,
    idempotent: true,
    acks: -1,
  });
  let t0 = performance.now();
  for (let i = 0; i < msgs.length; i += PER_SEND)
    await producer.send({
      messages: msgs.slice(i, i + PER_SEND).map((m) => ({ topic, key: Buffer.from(m.key), value: m.value })),
    });
  const produce = msgs.length / ((performance.now() - t0) / 1000);
  await producer.close();

  const consumer = new PlatformaticConsumer({
    clientId: 'meshlog-bench',
    groupId: `${topic}-g`,
    bootstrapBrokers: BROKERS,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let got = 0;
  t0 = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      if (t0 === 0) t0 = performance.now();
      if (++got >= msgs.length) resolve();
    });
  });
  const consume = msgs.length / ((performance.now() - t0) / 1000);
  await stream.close();
  await consumer.close(true);
  return { produce, consume };
}

const bench: Bench = {
  name: 'kafka-clients',
  description: `kafkajs vs @platformatic/kafka: ${RECORDS.toLocaleString('en-US')} JSON access records (~1.2 kB), records/s`,
  async run(): Promise<Row[]> {
    const msgs = messages();
    const rows: Row[] = [];
    // Two rounds each, alternating, so a noisy neighbour on the machine does not favour one client.
    for (const round of [1, 2]) {
      for (const [client, run] of [
        ['kafkajs 2.2.4', kafkajsRun],
        ['@platformatic/kafka', platformaticRun],
      ] as const) {
        const topic = `meshlog-bench-${client.replace(/\W/g, '')}-${Date.now()}`;
        await createTopic(topic);
        const r = await run(msgs, topic);
        rows.push({ client, round, 'produce/s': Math.round(r.produce), 'consume/s': Math.round(r.consume) });
      }
    }
    return rows;
  },
};
export default bench;
