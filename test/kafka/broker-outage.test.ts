import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allThere, EsRequests } from './es-requests.ts';
import { meshRequests, sendRequests } from './mesh-requests.ts';
import { processorConfig, sleep, waitForTopic, type ModeProcess, type SendStats } from './support.ts';
import { startAgents, startProcessors } from './topology.ts';

const run = promisify(execFile);
const BROKER_SH = fileURLToPath(new URL('./broker.sh', import.meta.url));
/** A Kafka of our own (test/kafka/broker.sh), so stopping it disturbs nobody else's tests. */
const BROKERS = '127.0.0.1:45092';
const broker = (action: 'start' | 'stop') => run('bash', [BROKER_SH, action], { timeout: 300_000 });

/**
 * The broker stopped for 20 s mid-stream: both agents answer 503 once their bounded queues are
 * full, the senders keep their data and retry, and after the restart everything arrives: exactly
 * N RequestDocs in Elasticsearch.
 */
describe('Kafka broker outage', () => {
  const running: ModeProcess[] = [];
  const es = new EsRequests(inject('esUrl'), 'outage');
  beforeAll(async () => {
    await broker('start');
  }, 300_000);
  afterAll(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
    await es.remove();
    await broker('stop');
  }, 120_000);

  it('the agents push back while Kafka is down, then catch up: still exactly N', async () => {
    const topic = `meshlog-it-outage-${Date.now()}`;
    // Small queues, so the pushback shows after a few batches instead of a few hundred; the agents
    // answer 503 once Kafka has not acknowledged a batch for 2 s.
    const agents = await startAgents({
      brokers: BROKERS,
      topic,
      basePort: 45700,
      queueCapacity: 2,
      ackTimeoutMs: 2000,
    });
    running.push(...agents.map((a) => a.process));
    await waitForTopic(BROKERS, topic);
    const config = processorConfig({
      brokers: BROKERS,
      topic,
      groupId: `${topic}-g`,
      file: false,
      elasticsearch: { url: inject('esUrl'), prefix: es.prefix },
    });
    running.push(...(await startProcessors(2, config, 45710)));
    const requests = meshRequests(4000, 4);
    const sides = { client: agents[0].urls, server: agents[1].urls };
    const before: SendStats = { pushedBack: 0, failed: 0 };
    await sendRequests(requests.slice(0, 1000), sides, 100, before);
    await es.waitForSome(1, 60_000);

    await broker('stop');
    const during: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendRequests(requests.slice(1000, 3000), sides, 100, during, 20);
    await sleep(20_000);
    await broker('start');
    await sending;
    await sendRequests(requests.slice(3000), sides, 100, before);

    expect(during.pushedBack).toBeGreaterThan(0);
    // Counted, not checked whole: an agent that was pushed back sends a request's span long after
    // its hops, so the span comes late; when the consumers restart (the broker came back) between
    // the RequestDoc and its late part, the new owner sees the late part alone and Elasticsearch
    // keeps the fuller stored copy without it (3 of 4000 in one run). A known limitation: the
    // replay gives the join no context from before the commit point.
    expect(await es.waitForAll(requests, 150_000, 'count')).toEqual(allThere(requests.length, 'count'));
  }, 400_000);
});
