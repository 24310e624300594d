import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import type { RequestDoc } from '../../pipeline/records.ts';
import {
  agentConfig,
  requestDocIds,
  sendLines,
  sleep,
  startMode,
  waitForIds,
  waitForTopic,
  type ModeProcess,
  type SendStats,
} from './support.ts';

/** Requests stay open in the join this long after their last hop (event time, moved on by the wall clock). */
const IDLE_MS = 60_000;

/** kafka → join (held until delivered) → file, with an idle time that keeps every request open across the rebalance. */
function processorConfig(o: { brokers: string; topic: string; groupId: string }): string {
  return `
receivers:
  kafka: { brokers: [${o.brokers}], topics: [${o.topic}], groupId: ${o.groupId}, commitIntervalMs: 200, sessionTimeoutMs: 8000 }
processors:
  join: { idleMs: ${IDLE_MS}, maxAgeMs: 180000, allowedSkewMs: 0, tickMs: 100, ackOn: delivered }
exporters:
  file: { path: $DIR/requests.ndjson }
service:
  pipelines:
    requests: { receivers: [kafka], processors: [join], exporters: [file], modes: [processor] }`;
}

/** One outbound hop of each of `n` requests (ids `reviews-v2-7-<i>`), made by the pod at `podIp`. */
const hops = (n: number, podIp: string, startMs: number) =>
  trafficLines({ service: 'reviews', subset: 'v2', requests: n, startMs, spacingMs: 1, source: podIp, seed: 7 });

/** The first series of a metric on a processor's /metrics whose line starts with `series`; 0 when absent. */
async function metric(p: { port: number }, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
/** The requests held in a processor's join. */
const pending = (p: { port: number }) => metric(p, 'meshlog_join_pending_requests{');

/** Polls until `cond` holds or `ms` passes; returns whether it held. */
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await sleep(250);
  }
  return true;
}

/** What the processors wrote: documents, request ids written more than once, documents without both hops. */
function written(outputs: string[]): { docs: number; copies: number; incomplete: number } {
  const docs = outputs.flatMap((f) =>
    existsSync(f)
      ? readFileSync(f, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as RequestDoc)
      : [],
  );
  return {
    docs: docs.length,
    copies: [...requestDocIds(outputs).values()].filter((n) => n > 1).length,
    incomplete: docs.filter((d) => d['mesh.hops'].length !== 2).length,
  };
}

type Processor = ModeProcess & { port: number; output: string };

/**
 * An agent and a processor group on a fresh topic; `send` posts one hop of each of `n` requests,
 * made by the pod at `podIp` (the second hop a few ms after the first).
 */
async function topology(name: string, agentPort: number) {
  const brokers = inject('kafkaBrokers');
  const topic = `meshlog-it-${name}-${Date.now()}`;
  const agent = await startMode('agent', agentConfig({ brokers, topic, port: agentPort }), agentPort + 100);
  await waitForTopic(brokers, topic);
  const t0 = Date.now();
  const stats: SendStats = { pushedBack: 0, failed: 0 };
  return {
    agent,
    processor: async (port: number): Promise<Processor> => {
      const p = await startMode('processor', processorConfig({ brokers, topic, groupId: `${topic}-g` }), port);
      return Object.assign(p, { port, output: join(p.dir, 'requests.ndjson') });
    },
    send: (n: number, podIp: string, hop: number) =>
      sendLines(`http://127.0.0.1:${agentPort}`, hops(n, podIp, t0 + 50 * hop), 100, stats),
  };
}

const N = 600;
const DROPPED = 'meshlog_dropped_total{component="requests/join",reason="origin_lost"}';

/**
 * Requests are held open in the join (idle 60 s) while the group rebalances: the first hop of
 * every request is read before the rebalance, the second after it. A processor that loses
 * partitions drops what it held of them (their new owner reads them again from the last commit),
 * so each request comes out exactly once, with both hops, and no incomplete copy.
 */
describe('agent → Kafka → processors: a rebalance while the join holds requests open', () => {
  const running: ModeProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
  });

  it('a processor joins: each request id gets exactly one RequestDoc, with all its hops', async () => {
    const t = await topology('rebalance-join', 45107);
    running.push(t.agent);
    const p1 = await t.processor(45271);
    running.push(p1);
    await t.send(N, '10.0.0.1', 0);
    expect(await until(async () => (await pending(p1)) === N, 60_000)).toBe(true);

    const p2 = await t.processor(45272);
    running.push(p2);
    // The rebalance: p2 reads its partitions from the start (nothing is committed while the join
    // holds every request) and p1 lets go of them. Without the drop p1 keeps all N: the wait
    // runs out (well within the idle time), and the documents below show the extra copies.
    await until(async () => {
      const [a, b] = [await pending(p1), await pending(p2)];
      return b > 0 && a + b === N;
    }, 25_000);
    const outputs = [p1.output, p2.output];
    // The scenario holds only if every request is still open when its second hop is sent.
    expect(requestDocIds(outputs).size).toBe(0);

    await t.send(N, '10.0.0.2', 1);
    expect((await waitForIds(outputs, N, IDLE_MS + 60_000)).size).toBe(N);
    // Both joins empty: nothing more will be written.
    await until(async () => (await pending(p1)) + (await pending(p2)) === 0, 30_000);
    expect(written(outputs)).toEqual({ docs: N, copies: 0, incomplete: 0 });
    // Both processors wrote some: the requests really were split by the rebalance, and p1 let go.
    for (const f of outputs) expect(requestDocIds([f]).size).toBeGreaterThan(0);
    expect(await metric(p1, DROPPED)).toBeGreaterThan(0);
  }, 300_000);

  it('a processor stops cleanly: what it held is read again by the other, not written half', async () => {
    const t = await topology('rebalance-stop', 45108);
    running.push(t.agent);
    const [p1, p2] = [await t.processor(45273), await t.processor(45274)];
    running.push(p1, p2);
    await t.send(N, '10.0.0.1', 0);
    // Both hold their share (a rebalance while p2 joined is settled by the drop as above).
    await until(async () => {
      const [a, b] = [await pending(p1), await pending(p2)];
      return a > 0 && b > 0 && a + b === N;
    }, 60_000);
    expect(requestDocIds([p1.output, p2.output]).size).toBe(0);

    // Leaving the group moves p2's partitions to p1; without the drop at shutdown p2 would flush
    // its open requests, each with its first hop only.
    expect(await p2.stop()).toBe(0);
    await until(async () => (await pending(p1)) === N, 25_000);
    await t.send(N, '10.0.0.2', 1);
    expect((await waitForIds([p1.output, p2.output], N, IDLE_MS + 60_000)).size).toBe(N);
    await until(async () => (await pending(p1)) === 0, 30_000);
    expect(written([p1.output, p2.output])).toEqual({ docs: N, copies: 0, incomplete: 0 });
    expect(requestDocIds([p2.output]).size).toBe(0);
  }, 300_000);
});
