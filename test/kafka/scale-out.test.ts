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
    const lines = requestLines(4000, 2);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    await sendLines('http://127.0.0.1:45102', lines.slice(0, 2000), 100, stats);
    // The victim holds requests in its join (idle 1 s) and has committed offsets behind them.
    expect(await processors[0].kill9()).toBeNull();
    await sendLines('http://127.0.0.1:45102', lines.slice(2000), 100, stats);

    const ids = await waitForIds(outputs(processors), lines.length, 120_000);
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(ids.size).toBe(lines.length);
  });
});
