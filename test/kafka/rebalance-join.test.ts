import { readFileSync } from 'node:fs';
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

function docs(files: string[]): RequestDoc[] {
  return files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RequestDoc),
  );
}

/**
 * A processor joins the group while the first one holds requests open in its join: the first
 * hop of every request is read before the rebalance, the second after it. The processor that
 * lost partitions drops what it held of them (their new owner reads them again from the last
 * commit), so each request comes out exactly once, with both hops, and no incomplete copy.
 */
describe('agent → Kafka → processors: a rebalance while the join holds requests open', () => {
  const running: ModeProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill9()));
  });

  it('each request id gets exactly one RequestDoc, with all its hops', async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `meshlog-it-rebalance-join-${Date.now()}`;
    const groupId = `${topic}-g`;
    const agent = await startMode('agent', agentConfig({ brokers, topic, port: 45107 }), 45207);
    running.push(agent);
    await waitForTopic(brokers, topic);
    const p1 = { port: 45271, ...(await startMode('processor', processorConfig({ brokers, topic, groupId }), 45271)) };
    running.push(p1);

    const N = 600;
    const t0 = Date.now();
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    await sendLines('http://127.0.0.1:45107', hops(N, '10.0.0.1', t0), 100, stats);
    expect(await until(async () => (await pending(p1)) === N, 60_000)).toBe(true);

    const p2 = { port: 45272, ...(await startMode('processor', processorConfig({ brokers, topic, groupId }), 45272)) };
    running.push(p2);
    // The rebalance: p2 reads its partitions from the start (nothing is committed while the join
    // holds every request) and p1 lets go of them. Without the drop p1 keeps all N: the wait
    // runs out (well within the idle time), and the documents below show the extra copies.
    await until(async () => {
      const [a, b] = [await pending(p1), await pending(p2)];
      return b > 0 && a + b === N;
    }, 25_000);
    const outputs = [p1, p2].map((p) => join(p.dir, 'requests.ndjson'));
    // The scenario holds only if every request is still open when its second hop is sent.
    expect(requestDocIds(outputs).size).toBe(0);

    await sendLines('http://127.0.0.1:45107', hops(N, '10.0.0.2', t0 + 50), 100, stats);
    const ids = await waitForIds(outputs, N, IDLE_MS + 60_000);
    expect(ids.size).toBe(N);
    // Both joins empty: nothing more will be written.
    await until(async () => (await pending(p1)) + (await pending(p2)) === 0, 30_000);

    const written = docs(outputs);
    const copies = [...requestDocIds(outputs).values()].filter((n) => n > 1).length;
    const incomplete = written.filter((d) => d['mesh.hops'].length !== 2).length;
    expect({ docs: written.length, copies, incomplete }).toEqual({ docs: N, copies: 0, incomplete: 0 });
    // Both processors wrote some: the requests really were split by the rebalance, and p1 let go.
    for (const f of outputs) expect(requestDocIds([f]).size).toBeGreaterThan(0);
    expect(await metric(p1, 'meshlog_dropped_total{component="requests/join",reason="origin_lost"}')).toBeGreaterThan(
      0,
    );
  }, 300_000);
});
