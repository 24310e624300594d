import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { allThere, EsRequests } from './es-requests.ts';
import { meshRequests, sendRequests } from './mesh-requests.ts';
import {
  agentConfig,
  processorConfig,
  requestIdOf,
  requestLines,
  sendLines,
  signalsConfig,
  startMode,
  waitForGroup,
  waitForIds,
  waitForTopic,
  waitUntil,
  type ModeProcess,
  type SendStats,
} from './support.ts';
import { joinedRequests, startAgents, startProcessors, windowRequests, type Agent } from './topology.ts';

/**
 * The topology over the real Kafka and the real Elasticsearch, as separate OS processes: two
 * `--mode agent` (http_lines and OTLP → parse → kafka), processors (`--mode processor`: kafka →
 * join → elasticsearch) and a `--mode signals`. Each request's parts arrive at different agents:
 * the client-side hop and the client span at one, the server-side hop at the other; the Kafka key
 * (x-request-id) brings them to one processor. N requests in must give exactly N RequestDocs in
 * Elasticsearch, each with all its hops and its span. A replay rewrites a RequestDoc under the
 * same id, so the document count is the request count even after a crash.
 */
describe('agents → Kafka → processors → Elasticsearch', () => {
  const running: ModeProcess[] = [];
  const indices: EsRequests[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
    await Promise.all(indices.splice(0).map((es) => es.remove()));
  });

  /**
   * A fresh topic and Elasticsearch prefix, two agents on it (client side and server side), and a
   * way to start processors that join into Elasticsearch (and publish route windows, with `windows`).
   */
  async function topology(name: string, basePort: number, windows = false) {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-${name}-${Date.now()}`;
    const group = `${topic}-g`;
    const windowsTopic = windows ? `${topic}-windows` : undefined;
    const es = new EsRequests(inject('esUrl'), name);
    indices.push(es);
    const agents = await startAgents({ brokers, topic, basePort });
    running.push(...agents.map((a) => a.process));
    await waitForTopic(brokers, topic);
    const config = processorConfig({
      brokers,
      topic,
      groupId: group,
      file: false,
      elasticsearch: { url: inject('esUrl'), prefix: es.prefix },
      windowsTopic,
    });
    const processors = async (count: number, firstAdminPort: number) => {
      const ps = await startProcessors(count, config, firstAdminPort);
      running.push(...ps);
      return ps;
    };
    return { brokers, group, windowsTopic, es, agents, processors };
  }

  const sides = (agents: Agent[]) => ({ client: agents[0].urls, server: agents[1].urls });

  it('N requests (hops at two agents, spans over OTLP) through 3 processors: exactly N whole RequestDocs in Elasticsearch, and the signals count N', async () => {
    const { brokers, group, windowsTopic, es, agents, processors: start } = await topology('scale', 45600, true);
    const processors = await start(3, 45610);
    // Every processor owns its partitions before the traffic: a rebalance mid-stream would replay
    // what one had counted, and the route windows (unlike the join) count a replay twice.
    await waitForGroup(brokers, group, 3);
    const signals = await startMode(
      'signals',
      signalsConfig({ brokers, windowsTopic: windowsTopic!, groupId: `${windowsTopic}-s` }),
      45619,
    );
    running.push(signals);

    const requests = meshRequests(3000, 1);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    // No resend after a timeout (it would count a line twice in the windows): answers may take long.
    await sendRequests(requests, sides(agents), 100, stats, 0, 120_000);
    expect(stats.failed).toBe(0);

    expect(await es.waitForAll(requests, 120_000)).toEqual(allThere(requests.length));
    // The shuffle by request id spread the work: every processor joined some requests.
    for (const p of processors) expect(await joinedRequests(p)).toBeGreaterThan(0);
    // The signals instance merged the three processors' route windows: each request once.
    expect(await windowRequests(signals, { service: 'reviews', subset: 'v2' }, requests.length, 60_000)).toBe(
      requests.length,
    );
  }, 300_000);

  it('kill -9 of a processor mid-stream loses nothing and duplicates nothing: its partitions are replayed from the last commit', async () => {
    const { es, agents, processors } = await topology('kill', 45630);
    const ps = await processors(3, 45640);
    const requests = meshRequests(5000, 2);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    // A steady stream (about 1000 requests/s): at any moment each join holds the last second of it.
    const sending = sendRequests(requests, sides(agents), 50, stats, 50);
    const victim = ps[0];
    await waitUntil(async () => (await joinedRequests(victim)) >= 200, 60_000, 'the victim joined 200 requests');
    expect(await victim.kill9()).toBeNull();
    await sending;

    // Checked whole: a replay's copy of a request has only the replayed parts, and Elasticsearch
    // refuses it when the stored copy has more (the part count is the document's version).
    expect(await es.waitForAll(requests, 150_000, 'whole')).toEqual(allThere(requests.length, 'whole'));
  }, 300_000);

  it('a processor added and one stopped mid-stream (two rebalances): still exactly N RequestDocs', async () => {
    const { brokers, group, es, agents, processors } = await topology('rebalance', 45660);
    const ps = await processors(2, 45670);
    const requests = meshRequests(6000, 5);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendRequests(requests, sides(agents), 50, stats, 50);
    await es.waitForSome(500, 60_000);
    await processors(1, 45672);
    await waitForGroup(brokers, group, 3);
    // A clean stop: the member leaves the group, its partitions move at once.
    expect(await ps[0].stop()).toBe(0);
    await sending;

    // Checked whole: each rebalance replays the moved partitions from their commit points; a
    // replayed copy with fewer parts does not overwrite the stored one.
    expect(await es.waitForAll(requests, 150_000, 'whole')).toEqual(allThere(requests.length, 'whole'));
  }, 300_000);

  it('kill -9 of a processor without a join loses no hop: commits follow what the exporter wrote', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-kill-hops-${Date.now()}`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45690 }), 45691);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const config = processorConfig({ brokers, topic, groupId: `${topic}-g`, join: false });
    const ps = await startProcessors(3, config, 45692);
    running.push(...ps);
    const lines = requestLines(6000, 3);
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    const sending = sendLines('http://127.0.0.1:45690', lines, 50, stats, 50);
    const victim = ps[0];
    await waitForIds(outputs([victim]), 200, 60_000, 'envoy.access');
    expect(await victim.kill9()).toBeNull();
    await sending;

    const ids = await waitForIds(outputs(ps), lines.length, 90_000, 'envoy.access');
    const missing = lines.map(requestIdOf).filter((id) => !ids.has(id));
    expect({ missing: missing.length, some: missing.slice(0, 5) }).toEqual({ missing: 0, some: [] });
  }, 200_000);
});

const outputs = (ps: ModeProcess[]) => ps.map((p) => join(p.dir, 'requests.ndjson'));
