import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import type { Mode } from '../../pipeline/config/service.ts';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';

const BIN = fileURLToPath(new URL('../../pipeline/cli/bin.mjs', import.meta.url));

/** A real `meshlog run --mode …` process; `dir` holds its config and data. */
export interface ModeProcess {
  dir: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill9(): Promise<number | null>;
}

/**
 * Starts `meshlog run --mode <mode>` on `config` (YAML whose last section is `service:`; `$DIR`
 * is replaced by a fresh data folder) and waits for /readyz on `adminPort`.
 */
export async function startMode(mode: Mode, config: string, adminPort: number): Promise<ModeProcess> {
  const dir = mkdtempSync(join(tmpdir(), `meshlog-kafka-${mode}-`));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    config.replaceAll('$DIR', dir) +
      `\n  admin: { endpoint: 127.0.0.1:${adminPort} }\n  deadLetter: { path: ${dir}/dead.ndjson }\n  logLevel: warn\n`,
  );
  const child = spawn(process.execPath, [BIN, 'run', '--mode', mode, '--config', file], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`meshlog --mode ${mode} exited with ${child.exitCode} while starting`);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready)
      return {
        dir,
        child,
        exited,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
        kill9: async () => {
          child.kill('SIGKILL');
          return exited;
        },
      };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`meshlog --mode ${mode} did not become ready in 30 s`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Access-log lines of `n` requests with distinct request ids, stamped around now (the join runs on event time). */
export function requestLines(n: number, seed: number): string[] {
  return trafficLines({
    service: 'reviews',
    subset: 'v2',
    requests: n,
    errorRate: 0.05,
    startMs: Date.now() - 2000,
    spacingMs: 1,
    seed,
  });
}

/** The request id each line carries (the 11th quoted field of Istio's format). */
export const requestIdOf = (line: string) => line.split('"')[9];

export interface SendStats {
  /** Answers 503 or 429 (pipeline full, or past the memory limit: the agent pushing back). */
  pushedBack: number;
  /** Requests that failed to connect or timed out (resent too). */
  failed: number;
}

/**
 * POSTs lines to an agent's http_lines receiver in chunks (`pauseMs` apart), resending a chunk
 * until it is answered 200, as Fluent Bit's retry would.
 */
export async function sendLines(
  url: string,
  lines: string[],
  chunk: number,
  stats: SendStats,
  pauseMs = 0,
  /** How long one POST may wait for its answer before it is counted failed and sent again. */
  timeoutMs = 10_000,
): Promise<void> {
  for (let i = 0; i < lines.length; i += chunk) {
    if (pauseMs > 0) await sleep(pauseMs);
    const body = lines.slice(i, i + chunk).join('\n') + '\n';
    for (;;) {
      const status = await fetch(`${url}/v1/lines`, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(timeoutMs),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (status === 503 || status === 429) stats.pushedBack++;
      else if (status === 0) stats.failed++;
      else throw new Error(`agent answered ${status}`);
      await sleep(200);
    }
  }
}

/** Request ids of the records of `dataset` (RequestDocs by default) in NDJSON outputs, with how often each was written. */
export function requestDocIds(files: string[], dataset = 'meshlog.request'): Map<string, number> {
  const ids = new Map<string, number>();
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      const doc = JSON.parse(line) as Record<string, unknown>;
      if (doc['event.dataset'] !== dataset) continue;
      const id = doc['http.request.id'] as string;
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
  }
  return ids;
}

/** Polls the outputs until `expected` distinct request ids are there (or `ms` passes); returns what was found. */
export async function waitForIds(
  files: string[],
  expected: number,
  ms: number,
  dataset?: string,
): Promise<Map<string, number>> {
  const end = Date.now() + ms;
  let ids = requestDocIds(files, dataset);
  while (ids.size < expected && Date.now() < end) {
    await sleep(500);
    ids = requestDocIds(files, dataset);
  }
  return ids;
}

/** Waits until `topic` exists on the broker (the agent's exporter creates it). */
export async function waitForTopic(brokers: string, topic: string, ms = 60_000): Promise<void> {
  const admin = new Kafka({ clientId: 'meshlog-it', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const end = Date.now() + ms;
    while (!(await admin.listTopics()).includes(topic)) {
      if (Date.now() > end) throw new Error(`topic ${topic} was not created in ${ms} ms`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

export function agentConfig(o: {
  brokers: string;
  topic: string;
  port: number;
  queueCapacity?: number;
  /** How long the agent waits for Kafka's ack before answering the sender 503. */
  ackTimeoutMs?: number;
}): string {
  return `
receivers:
  http_lines: { endpoint: 127.0.0.1:${o.port}, offerTimeoutMs: 300, ackTimeoutMs: ${o.ackTimeoutMs ?? 30_000} }
processors:
  parse: {}
exporters:
  kafka: { brokers: [${o.brokers}], topic: ${o.topic}, partitions: 6, replicationFactor: 1, clientId: meshlog-agent }
service:
  queueCapacity: ${o.queueCapacity ?? 64}
  pipelines:
    agent: { receivers: [http_lines], processors: [parse], exporters: [kafka], modes: [agent] }`;
}

/** A processor: kafka → join → file; with `join: false`, kafka → file (the hops themselves, acked once written). */
export function processorConfig(o: { brokers: string; topic: string; groupId: string; join?: boolean }): string {
  const join = o.join ?? true;
  return `
receivers:
  kafka: { brokers: [${o.brokers}], topics: [${o.topic}], groupId: ${o.groupId}, commitIntervalMs: 200, sessionTimeoutMs: 8000 }
processors:
  join: { idleMs: 1000, maxAgeMs: 5000, allowedSkewMs: 0, tickMs: 100, ackOn: delivered }
exporters:
  file: { path: $DIR/requests.ndjson }
service:
  pipelines:
    requests: { receivers: [kafka], processors: [${join ? 'join' : ''}], exporters: [file], modes: [processor] }`;
}
