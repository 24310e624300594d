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
  /** Its admin server: /readyz, /metrics and, in signals mode, the signals API. */
  adminUrl: string;
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
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`meshlog --mode ${mode} exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${adminUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready)
      return {
        dir,
        adminUrl,
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

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(200);
  }
}

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
  await inChunks(lines, chunk, pauseMs, (part) =>
    postUntilAccepted(`${url}/v1/lines`, part.join('\n') + '\n', {}, stats, timeoutMs),
  );
}

/** Hands `items` to `send` in runs of `chunk`, one run at a time, `pauseMs` apart. */
export async function inChunks<T>(
  items: T[],
  chunk: number,
  pauseMs: number,
  send: (part: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += chunk) {
    if (pauseMs > 0) await sleep(pauseMs);
    await send(items.slice(i, i + chunk));
  }
}

/**
 * POSTs `body` until it is answered 200; 503 and 429 (pushback) and connection failures are
 * counted in `stats` and resent after 200 ms; any other answer is a test failure. Returns the
 * accepted answer's body.
 */
export async function postUntilAccepted(
  url: string,
  body: string,
  headers: Record<string, string>,
  stats: SendStats,
  timeoutMs: number,
): Promise<string> {
  for (;;) {
    const answer = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (r) => ({ status: r.status, text: await r.text() }))
      .catch(() => ({ status: 0, text: '' }));
    if (answer.status === 200) return answer.text;
    if (answer.status === 503 || answer.status === 429) stats.pushedBack++;
    else if (answer.status === 0) stats.failed++;
    else throw new Error(`${url} answered ${answer.status}: ${answer.text}`);
    await sleep(200);
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
  /** Also an OTLP/HTTP receiver (traces and logs) on this port. */
  otlpPort?: number;
  queueCapacity?: number;
  /** How long the agent waits for Kafka's ack before answering the sender 503. */
  ackTimeoutMs?: number;
}): string {
  const timeouts = `offerTimeoutMs: 300, ackTimeoutMs: ${o.ackTimeoutMs ?? 30_000}`;
  const otlp = o.otlpPort
    ? `\n  otlp: { grpc: { endpoint: null }, http: { endpoint: 127.0.0.1:${o.otlpPort} }, ${timeouts} }`
    : '';
  return `
receivers:
  http_lines: { endpoint: 127.0.0.1:${o.port}, ${timeouts} }${otlp}
processors:
  parse: {}
exporters:
  kafka: { brokers: [${o.brokers}], topic: ${o.topic}, partitions: 6, replicationFactor: 1, clientId: meshlog-agent }
service:
  queueCapacity: ${o.queueCapacity ?? 64}
  pipelines:
    agent: { receivers: [http_lines${otlp ? ', otlp' : ''}], processors: [parse], exporters: [kafka], modes: [agent] }`;
}

/**
 * A processor: kafka → join → outputs; with `join: false`, kafka → outputs (the hops themselves,
 * acked once written). Outputs: the file `$DIR/requests.ndjson` (unless `file: false`) and, with
 * `elasticsearch`, the real Elasticsearch under its own prefix. With `windowsTopic`, a second
 * pipeline publishes the signals' route-window partials there, as `test/kafka/modes/processor.yaml` does.
 */
export function processorConfig(o: {
  brokers: string;
  topic: string;
  groupId: string;
  join?: boolean;
  file?: boolean;
  elasticsearch?: { url: string; prefix: string };
  windowsTopic?: string;
}): string {
  const join = o.join ?? true;
  const outputs: Record<string, string> = {};
  if (o.file ?? true) outputs.file = '{ path: $DIR/requests.ndjson }';
  // Dated indices behind aliases for every kind: unlike data streams, the test can delete them.
  if (o.elasticsearch)
    outputs.elasticsearch = `{ endpoints: [${o.elasticsearch.url}], prefix: ${o.elasticsearch.prefix}, appendOnly: alias, batch: { flushMs: 200 } }`;
  const exporters = { ...outputs };
  let [signals, windows] = ['', ''];
  if (o.windowsTopic) {
    signals = `\n  signals: { emit: { windows: true, decisions: false, calls: true } }`;
    exporters['kafka/windows'] =
      `{ brokers: [${o.brokers}], topic: ${o.windowsTopic}, partitions: 3, replicationFactor: 1 }`;
    windows = `\n    windows: { receivers: [kafka], processors: [signals], exporters: [kafka/windows], modes: [processor] }`;
  }
  return `
receivers:
  kafka: { brokers: [${o.brokers}], topics: [${o.topic}], groupId: ${o.groupId}, commitIntervalMs: 200, sessionTimeoutMs: 8000 }
processors:
  join: { idleMs: 1000, maxAgeMs: 5000, allowedSkewMs: 0, tickMs: 100, ackOn: delivered }${signals}
exporters:
${Object.entries(exporters)
  .map(([id, c]) => `  ${id}: ${c}`)
  .join('\n')}
service:
  pipelines:
    requests: { receivers: [kafka], processors: [${join ? 'join' : ''}], exporters: [${Object.keys(outputs).join(', ')}], modes: [processor] }${windows}`;
}

/** A `--mode signals` instance: merges the route-window partials of `windowsTopic` (its own group) and answers queries. */
export function signalsConfig(o: { brokers: string; windowsTopic: string; groupId: string }): string {
  return `
receivers:
  kafka/windows: { brokers: [${o.brokers}], topics: [${o.windowsTopic}], groupId: ${o.groupId}, commitIntervalMs: 200 }
processors:
  signals: { emit: { windows: false, decisions: true } }
exporters:
  blackhole: {}
service:
  pipelines:
    decisions: { receivers: [kafka/windows], processors: [signals], exporters: [blackhole], modes: [signals] }`;
}

/** Waits until consumer group `groupId` is Stable with `members` members (or fails after `ms`). */
export async function waitForGroup(brokers: string, groupId: string, members: number, ms = 60_000): Promise<void> {
  const admin = new Kafka({ clientId: 'meshlog-it', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const end = Date.now() + ms;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      if (groups[0]?.state === 'Stable' && groups[0].members.length === members) return;
      if (Date.now() > end)
        throw new Error(
          `consumer group ${groupId} did not settle with ${members} members in ${ms} ms (last: ${groups[0]?.state}, ${groups[0]?.members.length} members)`,
        );
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}
