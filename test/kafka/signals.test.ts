import { afterAll, describe, expect, inject, it } from 'vitest';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';
import {
  agentConfig,
  processorConfig,
  sendLines,
  signalsConfig,
  sleep,
  startMode,
  waitForGroup,
  waitForTopic,
  type ModeProcess,
  type SendStats,
} from './support.ts';

/**
 * The signals of the scale-out topology equal those of one process: an agent feeds two processors
 * through Kafka; each publishes its route-window partials and its calls to the windows topic; a
 * `--mode signals` instance merges them. The same lines sent to a `--mode all` meshlog must give the
 * same canary answer (verdict, score, counts, p-values): the merge of partials is exact; and the
 * same breaker transitions and recommendations: the calls are merged back into event time.
 */
const running: Array<ModeProcess | MeshlogProcess> = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
});

const brokers = inject('kafkaBrokers');
const run = Date.now();
const RECORDS = `meshlog-it-sig-records-${run}`;
const WINDOWS = `meshlog-it-sig-windows-${run}`;
const allConfig = `
receivers:
  http_lines: { endpoint: 127.0.0.1:45391 }
processors:
  parse: {}
  signals: {}
exporters:
  blackhole: {}
service:
  pipelines:
    signals: { receivers: [http_lines], processors: [parse, signals], exporters: [blackhole] }`;

interface CanaryAnswer {
  verdict: string;
  score: number;
  metrics: Array<{ name: string; canary: { requests?: number }; baseline: unknown; pValue: number | null }>;
}

describe('--mode signals over Kafka', () => {
  it('gives the canary verdict, evidence and breaker transitions of --mode all on the same input', async () => {
    const agent = await startMode('agent', agentConfig({ brokers, topic: RECORDS, port: 45390 }), 45380);
    running.push(agent);
    await waitForTopic(brokers, RECORDS);
    for (let i = 0; i < 2; i++)
      running.push(
        await startMode(
          'processor',
          processorConfig({ brokers, topic: RECORDS, groupId: `${RECORDS}-g`, join: false, windowsTopic: WINDOWS }),
          45381 + i,
        ),
      );
    // Both processors must own their partitions before the lines go in: a rebalance mid-stream
    // replays what the first one had counted, and the windows (unlike the join) count a replay twice.
    await waitForGroup(brokers, `${RECORDS}-g`, 2);
    const signals = await startMode(
      'signals',
      signalsConfig({ brokers, windowsTopic: WINDOWS, groupId: `${WINDOWS}-replica-1` }),
      45383,
    );
    running.push(signals);
    const all = await startMeshlog(allConfig, 45384);
    running.push(all);

    const start = Date.now() - 60_000;
    // In event-time order, as a mesh sends them, and no two lines at the same millisecond (a tie
    // has no order across processors). `payments` fails 70% for 12 s: its breaker opens, tries,
    // reopens and closes again.
    const lines = [
      ...trafficLines({ service: 'cart', subset: 'v1', requests: 1500, startMs: start, spacingMs: 20, seed: 1 }),
      ...trafficLines({
        service: 'cart',
        subset: 'v2',
        requests: 1500,
        errorRate: 0.08,
        startMs: start + 10,
        spacingMs: 20,
        seed: 2,
      }),
      ...[0.02, 0.7, 0.02].flatMap((errorRate, phase) =>
        trafficLines({
          service: 'payments',
          subset: 'v1',
          requests: 600,
          errorRate,
          startMs: start + 5 + phase * 12_000,
          spacingMs: 20,
          seed: 3 + phase,
        }),
      ),
    ].sort((a, b) => (a.slice(1, 25) < b.slice(1, 25) ? -1 : 1));
    const stats: SendStats = { pushedBack: 0, failed: 0 };
    // Each line must arrive exactly once on both sides: a resent POST would be counted twice
    // (at-least-once), so the senders wait long for their answers and no resend is allowed.
    await Promise.all([
      sendLines('http://127.0.0.1:45390', lines, 500, stats, 0, 120_000),
      sendLines('http://127.0.0.1:45391', lines, 500, stats, 0, 120_000),
    ]);
    expect(stats).toEqual({ pushedBack: 0, failed: 0 });

    const end = new Date(Math.ceil((Date.now() + 20_000) / 10_000) * 10_000).toISOString();
    const query = `/v1/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=5m&end=${end}`;
    // The answers differ only in the link to each instance's own page.
    const ask = async (base: string) => {
      const { link: _link, ...answer } = (await (await fetch(`${base}${query}`)).json()) as CanaryAnswer & {
        link: string;
      };
      return answer;
    };
    const expected = await ask(all.adminUrl);
    expect(expected.verdict).toBe('fail');
    const requests = (a: CanaryAnswer) => a.metrics.find((m) => m.name === 'error_rate')?.canary.requests;
    let got = await ask('http://127.0.0.1:45383');
    for (let i = 0; i < 300 && JSON.stringify(got) !== JSON.stringify(expected); i++) {
      await sleep(200);
      got = await ask('http://127.0.0.1:45383');
    }
    expect(requests(got)).toBe(requests(expected));
    expect(got).toEqual(expected);

    // Breakers: the signals instance releases the merged calls once the processors go quiet.
    const breakers = async (base: string) => {
      const events = (await (await fetch(`${base}/v1/breakers/events`)).json()) as { events: unknown[] };
      const states = (await (await fetch(`${base}/v1/breakers`)).json()) as { breakers: unknown[] };
      const recs = await (
        await fetch(`${base}/v1/recommendations`, { headers: { accept: 'application/json' } })
      ).json();
      return { events: events.events, states: states.breakers, recommendations: recs as unknown };
    };
    const expectedBreakers = await breakers(all.adminUrl);
    expect(expectedBreakers.events.length).toBeGreaterThanOrEqual(3);
    let gotBreakers = await breakers('http://127.0.0.1:45383');
    for (let i = 0; i < 300 && JSON.stringify(gotBreakers) !== JSON.stringify(expectedBreakers); i++) {
      await sleep(200);
      gotBreakers = await breakers('http://127.0.0.1:45383');
    }
    expect(gotBreakers).toEqual(expectedBreakers);
  }, 240_000);
});
