import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentConfig,
  processorConfig,
  requestIdOf,
  requestLines,
  sendLines,
  sleep,
  startMode,
  waitForIds,
  waitForTopic,
  type ModeProcess,
  type SendStats,
} from './support.ts';

const run = promisify(execFile);
const BROKER_SH = fileURLToPath(new URL('./broker.sh', import.meta.url));
/** A Kafka of our own (test/kafka/broker.sh), so stopping it disturbs nobody else's tests. */
const BROKERS = '127.0.0.1:45092';
const broker = (action: 'start' | 'stop') => run('bash', [BROKER_SH, action], { timeout: 300_000 });

/**
 * The broker stopped for 20 s mid-stream: the agent answers 503 once its bounded queues are
 * full, the sender keeps its data and retries, and after the restart everything arrives.
 */
describe('Kafka broker outage', () => {
  const running: ModeProcess[] = [];
  beforeAll(async () => {
    await broker('start');
  }, 300_000);
  afterAll(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
    await broker('stop');
  }, 120_000);

  it('the agent pushes back while Kafka is down, then catches up: still exactly N', async () => {
    const topic = `meshlog-it-outage-${Date.now()}`;
    // Small queues, so the pushback shows after a few batches instead of a few hundred; the agent
    // answers 503 once Kafka has not acknowledged a batch for 2 s.
    const agent = await startMode(
      'agent',
      agentConfig({ brokers: BROKERS, topic, port: 45104, queueCapacity: 2, ackTimeoutMs: 2000 }),
      45204,
    );
    running.push(agent);
    await waitForTopic(BROKERS, topic);
    const processors: ModeProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await startMode(
        'processor',
        processorConfig({ brokers: BROKERS, topic, groupId: `${topic}-g` }),
        45241 + i,
      );
      processors.push(p);
      running.push(p);
    }
    const lines = requestLines(4000, 4);
    const before: SendStats = { pushedBack: 0, failed: 0 };
    await sendLines('http://127.0.0.1:45104', lines.slice(0, 1000), 100, before);
    await waitForIds(outputs(processors), 1, 60_000);

    await broker('stop');
    const during: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendLines('http://127.0.0.1:45104', lines.slice(1000, 3000), 100, during, 20);
    await sleep(20_000);
    await broker('start');
    await sending;
    await sendLines('http://127.0.0.1:45104', lines.slice(3000), 100, before);

    expect(during.pushedBack).toBeGreaterThan(0);
    const ids = await waitForIds(outputs(processors), lines.length, 120_000);
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect({ missing: missing.length, some: missing.slice(0, 5) }).toEqual({ missing: 0, some: [] });
    expect(ids.size).toBe(lines.length);
  }, 400_000);
});

const outputs = (ps: ModeProcess[]) => ps.map((p) => join(p.dir, 'requests.ndjson'));
