import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';

describe('Kafka smoke (kafkajs against Kafka 4 in KRaft mode)', () => {
  it('produces and consumes a keyed message', async () => {
    const kafka = new Kafka({
      clientId: 'meshlog-smoke',
      brokers: inject('kafkaBrokers').split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = `meshlog-smoke-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'req-1', value: JSON.stringify({ hop: 1 }) },
        { key: 'req-1', value: JSON.stringify({ hop: 2 }) },
      ],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-g` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: Array<{ key: string; value: unknown; partition: number }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${got.length} of 2 messages in 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          got.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()), partition });
          if (got.length === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    // Same key, same partition, in order: what the join relies on.
    expect(got.map((g) => g.value)).toEqual([{ hop: 1 }, { hop: 2 }]);
    expect(got[0].partition).toBe(got[1].partition);
  });
});
