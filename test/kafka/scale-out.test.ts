import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  agentConfig,
  processorConfig,
  requestDocIds,
  requestIdOf,
  requestLines,
  sendLines,
  startMode,
  waitForIds,
  waitForTopic,
  type ModeProcess,
  type SendStats,
} from './support.ts';

/**
 * The topology over the real Kafka, as separate OS processes: one `--mode agent` (http_lines →
 * parse → kafka) and processors (`--mode processor`: kafka → join → file). N requests in must
 * give exactly N distinct RequestDocs out; replays may write a document twice, never lose one.
 */
describe('agent → Kafka → processors', () => {
  const running: ModeProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
  });

  const outputs = (ps: ModeProcess[]) => ps.map((p) => join(p.dir, 'requests.ndjson'));

  it('N requests through 1 agent and 3 processors give exactly N RequestDocs', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-records-${Date.now()}`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45101 }), 45201);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const processors: ModeProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await startMode('processor', processorConfig({ brokers, topic, groupId: `${topic}-g` }), 45211 + i);
      processors.push(p);
      running.push(p);
    }
    const lines = requestLines(3000, 1);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    await sendLines('http://127.0.0.1:45101', lines, 100, stats);

    const ids = await waitForIds(outputs(processors), lines.length, 90_000);
    expect(ids.size).toBe(lines.length);
    expect([...ids.keys()].sort()).toEqual(lines.map(requestIdOf).sort());
    // The shuffle by request id spread the work: every processor joined some requests.
    for (const f of outputs(processors)) expect(requestDocIds([f]).size).toBeGreaterThan(0);
  });

  it('kill -9 of a processor mid-stream loses nothing: its partitions are replayed from the last commit', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-kill-${Date.now()}`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45102 }), 45202);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const processors: ModeProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await startMode('processor', processorConfig({ brokers, topic, groupId: `${topic}-g` }), 45221 + i);
      processors.push(p);
      running.push(p);
    }
    const lines = requestLines(6000, 2);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    // A steady stream (about 1000 requests/s): at any moment each join holds the last second of it.
    const sending = sendLines('http://127.0.0.1:45102', lines, 50, stats, 50);
    const victim = processors[0];
    await waitForIds(outputs([victim]), 200, 60_000);
    expect(await victim.kill9()).toBeNull();
    await sending;

    const ids = await waitForIds(outputs(processors), lines.length, 90_000);
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect({ missing: missing.length, some: missing.slice(0, 5) }).toEqual({ missing: 0, some: [] });
    expect(ids.size).toBe(lines.length);
  }, 200_000);

  it('a processor added and one stopped mid-stream (two rebalances): still exactly N', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-rebalance-${Date.now()}`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45105 }), 45205);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const group = `${topic}-g`;
    const processors: ModeProcess[] = [];
    const add = async (port: number) => {
      const p = await startMode('processor', processorConfig({ brokers, topic, groupId: group, join: false }), port);
      processors.push(p);
      running.push(p);
    };
    await add(45251);
    await add(45252);
    const lines = requestLines(6000, 5);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendLines('http://127.0.0.1:45105', lines, 50, stats, 50);
    await waitForIds(outputs(processors), 500, 60_000, 'envoy.access');
    await add(45253);
    await waitForIds(outputs([processors[2]]), 1, 60_000, 'envoy.access');
    // A clean stop: the member leaves the group, its partitions move at once.
    expect(await processors[0].stop()).toBe(0);
    await sending;

    const ids = await waitForIds(outputs(processors), lines.length, 90_000, 'envoy.access');
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect({ missing: missing.length, some: missing.slice(0, 5) }).toEqual({ missing: 0, some: [] });
  }, 200_000);

  it('kill -9 of a processor without a join loses no hop: commits follow what the exporter wrote', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-kill-hops-${Date.now()}`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45103 }), 45203);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const processors: ModeProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const config = processorConfig({ brokers, topic, groupId: `${topic}-g`, join: false });
      const p = await startMode('processor', config, 45231 + i);
      processors.push(p);
      running.push(p);
    }
    const lines = requestLines(6000, 3);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendLines('http://127.0.0.1:45103', lines, 50, stats, 50);
    const victim = processors[0];
    await waitForIds(outputs([victim]), 200, 60_000, 'envoy.access');
    expect(await victim.kill9()).toBeNull();
    await sending;

    const ids = await waitForIds(outputs(processors), lines.length, 90_000, 'envoy.access');
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect({ missing: missing.length, some: missing.slice(0, 5) }).toEqual({ missing: 0, some: [] });
  }, 200_000);
});
