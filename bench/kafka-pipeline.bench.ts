import { readFileSync } from 'node:fs';
import {
  agentConfig,
  requestLines,
  sendLines,
  startMode,
  waitForTopic,
  type ModeProcess,
} from '../test/kafka/support.ts';
import type { Bench, Row } from './harness.ts';

/**
 * Access-log lines through separate processes: `--mode agent` (http_lines → parse → kafka) and
 * `--mode processor` (kafka → blackhole), on the test broker (MESHLOG_BENCH_KAFKA, default
 * 127.0.0.1:9092). Reports the end-to-end rate and the CPU seconds each process spent per
 * million lines (what an agent costs a node). Ports 45301-45303.
 */
const BROKERS = process.env.MESHLOG_BENCH_KAFKA ?? '127.0.0.1:9092';
const LINES = 200_000;

/** utime + stime of a process, in seconds (Linux /proc, 100 ticks/s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function exported(adminPort: number): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith('meshlog_exported_total{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const bench: Bench = {
  name: 'kafka-pipeline',
  description: `${LINES.toLocaleString('en-US')} access-log lines, agent → Kafka → processor → blackhole (separate processes)`,
  async run(): Promise<Row[]> {
    const topic = `meshlog-bench-pipeline-${Date.now()}`;
    const procs: ModeProcess[] = [];
    try {
      const agent = await startMode('agent', agentConfig({ brokers: BROKERS, topic, port: 45301 }), 45302);
      procs.push(agent);
      await waitForTopic(BROKERS, topic);
      const processor = await startMode(
        'processor',
        `
receivers:
  kafka: { brokers: [${BROKERS}], topics: [${topic}], groupId: ${topic}-g }
exporters:
  blackhole: {}
service:
  pipelines:
    records: { receivers: [kafka], exporters: [blackhole], modes: [processor] }`,
        45303,
      );
      procs.push(processor);
      const lines = requestLines(LINES, 9);
      const cpu0 = [cpuSeconds(agent.child.pid!), cpuSeconds(processor.child.pid!)];
      const t0 = performance.now();
      const stats = { pushedBack: 0, failed: 0 };
      // Four senders, 500 lines per request, as a node's Fluent Bit would batch them.
      const quarter = LINES / 4;
      await Promise.all(
        [0, 1, 2, 3].map((k) =>
          sendLines('http://127.0.0.1:45301', lines.slice(k * quarter, (k + 1) * quarter), 500, stats),
        ),
      );
      const sent = performance.now();
      while ((await exported(45303)) < LINES) await new Promise((r) => setTimeout(r, 100));
      const seconds = (performance.now() - t0) / 1000;
      const agentCpu = cpuSeconds(agent.child.pid!) - cpu0[0];
      const processorCpu = cpuSeconds(processor.child.pid!) - cpu0[1];
      return [
        { measure: 'end to end', value: Math.round(LINES / seconds), unit: 'lines/s', note: `${seconds.toFixed(1)} s` },
        {
          measure: 'agent accepted',
          value: Math.round(LINES / ((sent - t0) / 1000)),
          unit: 'lines/s',
          note: `${stats.pushedBack} answers 503 (pushback), resent`,
        },
        { measure: 'agent CPU', value: (agentCpu / LINES) * 1e6, unit: 'CPU s per million lines', note: '' },
        { measure: 'processor CPU', value: (processorCpu / LINES) * 1e6, unit: 'CPU s per million lines', note: '' },
        {
          measure: 'per core',
          value: Math.round(LINES / (agentCpu + processorCpu)),
          unit: 'lines per CPU second (agent + processor)',
          note: 'the broker not counted',
        },
      ];
    } finally {
      await Promise.all(procs.map((p) => p.kill9()));
    }
  },
};
export default bench;
