import { trafficLines } from '../pipeline/testing/mesh-traffic.ts';
import { agentConfig, startMode, waitForTopic, type ModeProcess } from '../test/kafka/support.ts';
import type { Bench, Row } from './harness.ts';

/**
 * Signal latency through Kafka: `--mode agent` → records topic → two `--mode processor`s (their
 * signals connectors publish window partials every second) → windows topic → `--mode signals`.
 * Each trial warms a fresh service's canary and baseline at 1% errors until the signals instance
 * says pass, then sends a 10% error spike to the agent and polls the signals instance's
 * /v1/canary every 20 ms until it says fail; the clock starts before the spike is sent.
 * Test broker (MESHLOG_BENCH_KAFKA, default 127.0.0.1:9092); ports 45501-45510.
 */
const BROKERS = process.env.MESHLOG_BENCH_KAFKA ?? '127.0.0.1:9092';
const TRIALS = 20;
const run = Date.now();
const RECORDS = `meshlog-bench-sig-records-${run}`;
const WINDOWS = `meshlog-bench-sig-windows-${run}`;
const AGENT = 'http://127.0.0.1:45501';
const SIGNALS = 'http://127.0.0.1:45505';

const processorConfig = `
receivers:
  kafka: { brokers: [${BROKERS}], topics: [${RECORDS}], groupId: ${RECORDS}-g, commitIntervalMs: 200 }
processors:
  signals: { emit: { windows: true, decisions: false, calls: true } }
exporters:
  kafka/windows: { brokers: [${BROKERS}], topic: ${WINDOWS}, partitions: 3, replicationFactor: 1 }
service:
  pipelines:
    windows: { receivers: [kafka], processors: [signals], exporters: [kafka/windows], modes: [processor] }`;
const signalsConfig = `
receivers:
  kafka/windows: { brokers: [${BROKERS}], topics: [${WINDOWS}], groupId: ${WINDOWS}-1, commitIntervalMs: 200 }
processors:
  signals: { emit: { windows: false, decisions: true } }
exporters:
  blackhole: {}
service:
  pipelines:
    decisions: { receivers: [kafka/windows], processors: [signals], exporters: [blackhole], modes: [signals] }`;

const post = (lines: string[]) =>
  fetch(`${AGENT}/v1/lines`, { method: 'POST', body: lines.join('\n') }).then((r) => r.status);
const verdict = async (svc: string) =>
  (
    (await (
      await fetch(`${SIGNALS}/v1/canary?namespace=shop&service=${svc}&canary=v2&baseline=v1&window=1m`)
    ).json()) as { verdict: string }
  ).verdict;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

const bench: Bench = {
  name: 'kafka-signals',
  description: `error spike sent to an agent → fail on the signals instance, through Kafka, ${TRIALS} trials`,
  async run() {
    const running: ModeProcess[] = [];
    try {
      running.push(await startMode('agent', agentConfig({ brokers: BROKERS, topic: RECORDS, port: 45501 }), 45502));
      await waitForTopic(BROKERS, RECORDS);
      running.push(await startMode('processor', processorConfig, 45503));
      running.push(await startMode('processor', processorConfig, 45504));
      running.push(await startMode('signals', signalsConfig, 45505));
      const latencies: number[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        const svc = `svc${trial}`;
        const start = Date.now() - 40_000;
        const side = (subset: string, seed: number) =>
          trafficLines({ service: svc, subset, requests: 1000, errorRate: 0.01, startMs: start, spacingMs: 20, seed });
        if ((await post([...side('v1', trial * 3 + 1), ...side('v2', trial * 3 + 2)])) !== 200)
          throw new Error('the agent refused the warm-up traffic');
        await until(`svc${trial} passing`, async () => (await verdict(svc)) === 'pass');
        const t0 = performance.now();
        await post(
          trafficLines({
            service: svc,
            subset: 'v2',
            requests: 800,
            errorRate: 0.1,
            startMs: Date.now() - 20_000,
            spacingMs: 20,
            seed: trial * 3 + 3,
          }),
        );
        await until(`svc${trial} failing`, async () => (await verdict(svc)) === 'fail');
        latencies.push(performance.now() - t0);
      }
      const rows: Row[] = [
        { measure: 'signal latency through Kafka, p50', value: Math.round(pct(latencies, 0.5)), unit: 'ms' },
        { measure: 'signal latency through Kafka, p99', value: Math.round(pct(latencies, 0.99)), unit: 'ms' },
        { measure: 'signal latency through Kafka, max', value: Math.round(Math.max(...latencies)), unit: 'ms' },
      ];
      return rows;
    } finally {
      await Promise.all(running.map((p) => p.stop()));
    }
  },
};

export default bench;
