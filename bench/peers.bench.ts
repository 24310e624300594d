import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, Row } from './harness.ts';
import {
  ISTIO_TEXT_REGEX,
  LOGS_PER_REQUEST,
  SPANS_PER_REQUEST,
  istioLine,
  lineBodies,
  logsRequest,
  spansRequest,
} from './peers/inputs.ts';
import { grpcAll, postAll } from './peers/load.ts';
import { filelogRegexConfig, otelcolExe, otlpNopConfig } from './peers/otelcol.ts';
import {
  cpuSeconds,
  cpuSecondsByThread,
  lineCounter,
  load1,
  metricSum,
  peakRssMB,
  startServer,
  stop,
  until,
} from './peers/proc.ts';

/*
 * meshlog beside the OpenTelemetry Collector, one after the other in one run, on the same input.
 * Every figure is the SERVER process's own CPU time (/proc/<pid>/stat, all threads), counted from
 * after a warm-up to when the last record is through, and its peak RSS (VmHWM). The load
 * generators run in this process and are not counted. Environment:
 *   PEERS_ONLY=spans,logs,file,e2e,heap  scenarios to run (default all)
 *   PEERS_REPEAT=2                       runs of each measurement (the load average moves)
 *   PEERS_SCALE=1                        multiplies every record count
 *   PEERS_EVENT_RATE=2000                requests per second of event time in the access lines
 *   PEERS_BASELINE=/path                 checkout of the baseline commit for e2e (default: a git
 *                                        worktree of f9e891b in $TMPDIR, made and npm-ci'd once;
 *                                        `none` runs this checkout alone)
 *   PEERS_WARM=200                       warm-up requests before each spans measurement (512 spans
 *                                        each). meshlog's JIT is still tiering up its per-request
 *                                        code after 20 (about 1 us of compiling per span measured
 *                                        then); the Collector is compiled ahead of time. 200 (about
 *                                        2 s of load) measures both in their steady state. The logs
 *                                        scenario keeps 20: its parsing is slow enough that a longer
 *                                        run takes meshlog f478ace past its memory soft limit (429s)
 *   PEERS_BEFORE=/path                   another checkout (e.g. `git worktree add /tmp/before main`,
 *                                        node_modules linked) whose meshlog also runs in the OTLP
 *                                        and end-to-end scenarios, beside this one: before and after in one run
 *   PEERS_NODE_FLAGS='--flag …'         node/V8 flags for meshlog's process (to try one before it goes in bin.mjs)
 *   PEERS_STDOUT=/prefix                 each server's stdout in /prefix.<ms>: with PEERS_NODE_FLAGS=--trace-gc-nvp,
 *                                        what each isolate's GCs allocated, copied and promoted
 *   PEERS_PROFILE=/dir                   meshlog runs under `node --cpu-prof`, a folder per run in
 *                                        /dir with the measured window (bench/peers/profile-top.ts)
 */
const BASELINE_COMMIT = 'f9e891b';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const only = new Set((process.env.PEERS_ONLY ?? 'spans,logs,file,e2e,heap').split(','));
const REPEAT = Number(process.env.PEERS_REPEAT ?? 2);
const SCALE = Number(process.env.PEERS_SCALE ?? 1);
const WARM_REQUESTS = Number(process.env.PEERS_WARM ?? 200);
const BEFORE = process.env.PEERS_BEFORE;
const PROFILE = process.env.PEERS_PROFILE;
const IN_FLIGHT = 6;
const PORT = {
  otlpGrpc: 48317,
  otlpHttp: 48318,
  admin: 48186,
  colGrpc: 48417,
  colHttp: 48418,
  colMetrics: 48488,
  lines: 48108,
};

type Server = ReturnType<typeof startServer> & { profileDir?: string };

interface Measured {
  records: number;
  wallS: number;
  cpuS: number;
  rssMB: number;
  load: number;
  /** CPU-s/M by kind of thread, for a Node server: where the time went. */
  threads?: string;
}

function row(scenario: string, server: string, m: Measured): Row {
  return {
    scenario,
    server,
    records: m.records,
    'records/s': Math.round(m.records / m.wallS),
    'CPU-s': Math.round(m.cpuS * 100) / 100,
    'CPU-s/M': Math.round((m.cpuS / m.records) * 1e6 * 10) / 10,
    'records/CPU-s': Math.round(m.records / m.cpuS),
    'peak RSS MB': m.rssMB,
    load1: m.load,
    ...(m.threads ? { 'CPU-s/M by thread': m.threads } : {}),
  };
}

/** Node's threads by name (main, worker pool, V8's GC and JIT helpers), in CPU-s per million records. */
function byThread(before: Map<string, number>, after: Map<string, number>, records: number): string | undefined {
  const names: Record<string, string> = { MainThread: 'main', WorkerThread: 'workers', V8Worker: 'GC+JIT' };
  if (!after.has('MainThread')) return undefined;
  const parts: string[] = [];
  let rest = 0;
  for (const [name, s] of after) {
    const d = s - (before.get(name) ?? 0);
    if (names[name]) parts.push(`${names[name]} ${((d / records) * 1e6).toFixed(1)}`);
    else rest += d;
  }
  parts.push(`other ${((rest / records) * 1e6).toFixed(1)}`);
  return parts.join(', ');
}

/** Warm-up, then the measured load, then `settle` until the last record is through; CPU between. */
async function measureServer(
  server: Server,
  records: number,
  warm: () => Promise<unknown>,
  send: () => Promise<unknown>,
  settle: () => Promise<void> = async () => {},
): Promise<Measured> {
  await warm();
  const cpu0 = cpuSeconds(server.pid!);
  const threads0 = cpuSecondsByThread(server.pid!);
  const t0 = process.hrtime.bigint();
  await send();
  await settle();
  const t1 = process.hrtime.bigint();
  const wallS = Number(t1 - t0) / 1e9;
  const cpuS = cpuSeconds(server.pid!) - cpu0;
  const threads = byThread(threads0, cpuSecondsByThread(server.pid!), records);
  if (server.profileDir) {
    const window = { fromUs: Number(t0 / 1000n), toUs: Number(t1 / 1000n) };
    writeFileSync(join(server.profileDir, 'window.json'), JSON.stringify(window));
  }
  return { records, wallS, cpuS, rssMB: peakRssMB(server.pid!), load: load1(), threads };
}

function meshlogRun(dir: string, config: string, checkout = ROOT, profileAs?: string): Server {
  const file = join(dir, `meshlog-${Date.now()}.yaml`);
  writeFileSync(file, config);
  const profileDir = PROFILE && profileAs ? join(PROFILE, profileAs) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const flags = process.env.PEERS_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const args = [...flags, ...prof, join(checkout, 'pipeline/cli/bin.mjs'), 'run', '--config', file];
  return Object.assign(startServer(process.execPath, args, checkout), { profileDir });
}

const adminReady = (server: Server) =>
  until('meshlog /readyz', async () => (await fetch(`http://127.0.0.1:${PORT.admin}/readyz`)).ok, 60_000, server);

function service(dir: string, pipelines: string, extra = ''): string {
  return `service:\n  admin: { endpoint: 127.0.0.1:${PORT.admin} }\n  logLevel: warn\n  deadLetter: { path: ${dir}/dead.ndjson }\n${extra}  pipelines:\n${pipelines}`;
}

/**
 * Checkouts whose memory limiter read RSS (before live-usage.ts) run the end-to-end scenario with
 * this limit: the join buffers 5 s of event time, their RSS passed the default 512 MiB limit's
 * soft threshold (410 MiB) and stayed there (glibc keeps freed memory), so every request was
 * refused (429). This checkout runs with the default limit; f9e891b, the baseline, has none.
 */
const E2E_MEMORY_LIMIT = '  memoryLimitMiB: 2048\n';

function otlpMeshlogConfig(dir: string, signal: 'traces' | 'logs'): string {
  return (
    `receivers:\n  otlp: { grpc: { endpoint: 127.0.0.1:${PORT.otlpGrpc} }, http: { endpoint: 127.0.0.1:${PORT.otlpHttp} } }\n` +
    `processors:\n  parse: {}\nexporters:\n  blackhole: {}\n` +
    service(dir, `    ${signal}: { receivers: [otlp], processors: [parse], exporters: [blackhole] }\n`)
  );
}

/** Scenario (a) and (b): OTLP protobuf over HTTP and gRPC into meshlog and into the Collector. */
async function otlpScenario(
  dir: string,
  signal: 'traces' | 'logs',
  bodies: Uint8Array[],
  warmBodies: Uint8Array[],
  perRequest: number,
  protocols: Array<'http' | 'grpc'>,
): Promise<Row[]> {
  const rows: Row[] = [];
  const records = bodies.length * perRequest;
  const what = signal === 'traces' ? 'OTLP spans' : 'OTLP logs (envoyOtelAls lines)';
  const httpPath = `/v1/${signal}`;
  const grpcPath =
    signal === 'traces'
      ? '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
      : '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
  const sendTo = (proto: 'http' | 'grpc', http: number, grpc: number, b: Uint8Array[]) =>
    proto === 'http'
      ? postAll(`http://127.0.0.1:${http}${httpPath}`, b, 'application/x-protobuf', IN_FLIGHT)
      : grpcAll(`127.0.0.1:${grpc}`, grpcPath, b, IN_FLIGHT);
  const exe = otelcolExe();
  const checkouts: Array<[string, string]> = [['meshlog run → parse → blackhole', ROOT]];
  if (BEFORE) checkouts.push([`meshlog ${basename(BEFORE)} (before) run → parse → blackhole`, BEFORE]);
  for (let rep = 0; rep < REPEAT; rep++) {
    for (const proto of protocols) {
      const scenario = `${what} ${proto === 'http' ? 'OTLP/HTTP' : 'OTLP/gRPC'}`;
      for (const [server, checkout] of checkouts) {
        const as = `${signal}-${proto}-${checkout === ROOT ? 'this' : 'before'}-${rep}`;
        const m = meshlogRun(dir, otlpMeshlogConfig(dir, signal), checkout, as);
        try {
          await adminReady(m);
          const r = await measureServer(
            m,
            records,
            () => sendTo(proto, PORT.otlpHttp, PORT.otlpGrpc, warmBodies),
            () => sendTo(proto, PORT.otlpHttp, PORT.otlpGrpc, bodies),
          );
          rows.push(row(scenario, server, r));
        } finally {
          await stop(m);
        }
      }
      if (!exe) continue;
      const cfg = join(dir, 'otelcol-otlp.yaml');
      writeFileSync(cfg, otlpNopConfig(PORT.colGrpc, PORT.colHttp, PORT.colMetrics));
      const c = startServer(exe, ['--config', cfg]);
      try {
        await until(
          'collector metrics',
          async () => (await fetch(`http://127.0.0.1:${PORT.colMetrics}/metrics`)).ok,
          60_000,
          c,
        );
        const r = await measureServer(
          c,
          records,
          () => sendTo(proto, PORT.colHttp, PORT.colGrpc, warmBodies),
          () => sendTo(proto, PORT.colHttp, PORT.colGrpc, bodies),
        );
        rows.push(row(scenario, 'otelcol otlp → nop', r));
      } finally {
        await stop(c);
      }
    }
  }
  if (!exe) rows.push({ scenario: what, server: 'otelcol: not built (bash test/services/otelcol.sh install)' });
  return rows;
}

/** Runs `meshlog parse FILE > /dev/null` under /usr/bin/time: user+sys seconds and max RSS. */
function timedParse(file: string, bare = false): { cpuS: number; rssMB: number; wallS: number; accepted: number } {
  const devnull = openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const res = spawnSyncTimed(file, devnull, bare);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const lines = res.trim().split('\n');
    const [user, sys, maxKiB] = lines[lines.length - 1].split(' ').map(Number);
    const summary = lines.find((l) => l.startsWith('{"summary"'));
    const accepted = summary ? (JSON.parse(summary) as { summary: { accepted: number } }).summary.accepted : 0;
    return { cpuS: user + sys, rssMB: Math.round(maxKiB / 1024), wallS, accepted };
  } finally {
    closeSync(devnull);
  }
}

/** `meshlog parse FILE` (JSON out), or with `bare` the same parser with no output (bench/peers/parse-file.ts). */
function spawnSyncTimed(file: string, stdout: number, bare = false): string {
  const cmd = bare
    ? [join(ROOT, 'bench/peers/parse-file.ts'), file]
    : [join(ROOT, 'pipeline/cli/bin.mjs'), 'parse', '--format', 'auto', file];
  const args = ['-f', '%U %S %M', process.execPath, ...cmd];
  const res = spawnSync('/usr/bin/time', args, {
    stdio: ['ignore', stdout, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (res.status !== 0) throw new Error(`meshlog parse failed (${res.status}): ${res.stderr?.slice(-2000)}`);
  return res.stderr;
}

/** Scenario (c): Istio text lines from a file, parsed, to a null sink. */
async function fileScenario(dir: string, count: number, baseMs: number): Promise<Row[]> {
  const rows: Row[] = [];
  const src = join(dir, 'lines.src');
  writeFileSync(src, Buffer.concat(lineBodies(count, 10_000, baseMs)));
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const exe = otelcolExe();
  for (let rep = 0; rep < REPEAT; rep++) {
    // meshlog parse: one thread, reads the file, parses, and still serialises every record as
    // JSON to /dev/null (more work than a null sink); its start-up (an empty file) is subtracted.
    const idle = timedParse(empty);
    const p = timedParse(src);
    if (p.accepted !== count) throw new Error(`meshlog parse accepted ${p.accepted} of ${count} lines`);
    rows.push(
      row('Istio text lines, file', 'meshlog parse FILE > /dev/null (1 thread)', {
        records: count,
        wallS: p.wallS,
        cpuS: p.cpuS - idle.cpuS,
        rssMB: p.rssMB,
        load: load1(),
      }),
    );
    // Parse only, as the Collector's side: the pipeline's parser over the file, nothing written.
    const bareIdle = timedParse(empty, true);
    const bare = timedParse(src, true);
    if (bare.accepted !== count) throw new Error(`parse-file accepted ${bare.accepted} of ${count} lines`);
    rows.push(
      row('Istio text lines, file', 'meshlog parser over FILE, no output (1 thread)', {
        records: count,
        wallS: bare.wallS,
        cpuS: bare.cpuS - bareIdle.cpuS,
        rssMB: bare.rssMB,
        load: load1(),
      }),
    );
    // meshlog run: the production path (HTTP lines → parse in the worker pool → blackhole).
    const m = meshlogRun(
      dir,
      `receivers:\n  http_lines: { endpoint: 127.0.0.1:${PORT.lines} }\nprocessors:\n  parse: { format: auto }\nexporters:\n  blackhole: {}\n` +
        service(dir, `    lines: { receivers: [http_lines], processors: [parse], exporters: [blackhole] }\n`),
    );
    try {
      await adminReady(m);
      const url = `http://127.0.0.1:${PORT.lines}/v1/lines`;
      const bodies = lineBodies(count, 1000, baseMs);
      const metrics = `http://127.0.0.1:${PORT.admin}/metrics`;
      const r = await measureServer(
        m,
        count,
        () => postAll(url, lineBodies(20_000, 1000, baseMs), 'text/plain', 4),
        () => postAll(url, bodies, 'text/plain', 4),
        () =>
          until(
            'blackhole export',
            async () => (await metricSum(metrics, 'meshlog_exported_total', 'blackhole')) >= count + 20_000,
            120_000,
            m,
          ),
      );
      rows.push(row('Istio text lines, HTTP', 'meshlog run http_lines → parse → blackhole', r));
    } finally {
      await stop(m);
    }
    if (!exe) continue;
    const log = join(dir, 'access.log');
    rmSync(log, { force: true });
    const cfg = join(dir, 'otelcol-filelog.yaml');
    writeFileSync(cfg, filelogRegexConfig(log, ISTIO_TEXT_REGEX, PORT.colMetrics));
    const c = startServer(exe, ['--config', cfg]);
    const metrics = `http://127.0.0.1:${PORT.colMetrics}/metrics`;
    try {
      await until('collector metrics', async () => (await fetch(metrics)).ok, 60_000, c);
      const copy = join(dir, 'access.tmp');
      execFileSync('cp', [src, copy]);
      const r = await measureServer(
        c,
        count,
        async () => {},
        async () => renameSync(copy, log),
        () =>
          until(
            'filelog',
            async () => (await metricSum(metrics, 'otelcol_receiver_accepted_log_records', 'filelog')) >= count,
            120_000,
            c,
          ),
      );
      rows.push(row('Istio text lines, file', 'otelcol filelog + regex_parser → nop', r));
    } finally {
      await stop(c);
    }
  }
  return rows;
}

/** The default shape (HTTP lines → parse → signals + join → files), for this checkout or the baseline's. */
function e2eConfig(dir: string, checkout: string): string {
  const hasSignalsProcessor = existsSync(join(checkout, 'processors/signals'));
  const rssLimiter =
    existsSync(join(checkout, 'pipeline/memory/process.ts')) &&
    !existsSync(join(checkout, 'pipeline/memory/live-usage.ts'));
  const limit = rssLimiter ? E2E_MEMORY_LIMIT : '';
  const head = `receivers:\n  http_lines: { endpoint: 127.0.0.1:${PORT.lines} }\n`;
  if (hasSignalsProcessor)
    return (
      head +
      `processors:\n  parse: { format: auto }\n  signals: {}\n  join: {}\n` +
      `exporters:\n  file: { path: ${dir}/requests.ndjson }\n  file/signals: { path: ${dir}/signals.ndjson }\n` +
      service(
        dir,
        `    parsed: { receivers: [http_lines], processors: [parse] }\n` +
          `    signals: { receivers: ['pipeline:parsed'], processors: [signals], exporters: [file/signals] }\n` +
          `    requests: { receivers: ['pipeline:parsed'], processors: [join], exporters: [file] }\n`,
        limit,
      )
    );
  return (
    head +
    `processors:\n  parse: { format: auto }\n  join: {}\n` +
    `exporters:\n  file: { path: ${dir}/requests.ndjson }\n  signals: {}\n` +
    service(
      dir,
      `    parsed: { receivers: [http_lines], processors: [parse], exporters: [signals] }\n` +
        `    requests: { receivers: ['pipeline:parsed'], processors: [join], exporters: [file] }\n`,
      limit,
    )
  );
}

function baselineCheckout(): string {
  const dir = process.env.PEERS_BASELINE ?? join(tmpdir(), `meshlog-${BASELINE_COMMIT}`);
  if (!existsSync(join(dir, 'node_modules'))) {
    console.log(`making the baseline checkout ${dir} (${BASELINE_COMMIT}, npm ci)…`);
    if (!existsSync(dir)) execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', dir, BASELINE_COMMIT]);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
  return dir;
}

/** Scenario (d): access lines end to end, this checkout against the baseline commit. */
async function e2eScenario(dir: string, count: number, baseMs: number): Promise<Row[]> {
  const rows: Row[] = [];
  const warm = 20_000;
  const checkouts: Array<[string, string]> = [['this branch', ROOT]];
  if (BEFORE) checkouts.push([`${basename(BEFORE)} (before)`, BEFORE]);
  if (process.env.PEERS_BASELINE !== 'none') checkouts.push([BASELINE_COMMIT, baselineCheckout()]);
  const url = `http://127.0.0.1:${PORT.lines}/v1/lines`;
  for (let rep = 0; rep < REPEAT; rep++) {
    for (const [name, checkout] of checkouts) {
      const runDir = mkdtempSync(join(dir, 'e2e-'));
      const m = meshlogRun(runDir, e2eConfig(runDir, checkout), checkout, checkout === ROOT ? `e2e-${rep}` : undefined);
      try {
        await adminReady(m);
        // Every request's four hops are joined into one RequestDoc; done when all are written.
        const requests = (warm + count) / 4;
        const written = lineCounter(join(runDir, 'requests.ndjson'));
        const r = await measureServer(
          m,
          count,
          () => postAll(url, linesFrom(0, warm, baseMs), 'text/plain', 4),
          () => postAll(url, linesFrom(warm, count, baseMs), 'text/plain', 4),
          () => until('join', async () => written() >= requests, 180_000, m),
        );
        rows.push(row('access lines end to end (HTTP → parse → signals + join → file)', `meshlog ${name}`, r));
      } finally {
        await stop(m);
        rmSync(runDir, { recursive: true, force: true });
      }
    }
  }
  return rows;
}

/**
 * Starts meshlog once on the end-to-end config and has it parse 1,000 lines, so that Node's compile
 * cache (pipeline/cli/bin.mjs) holds every module the scenarios load, as a pod's has after its first
 * start. Otherwise the first run of a checkout strips the TypeScript itself and keeps Node's stripper
 * loaded for its lifetime: ~25 MB more peak RSS in that run (308 against 284 MB end to end).
 */
async function primeCompileCache(dir: string, checkout: string, baseMs: number): Promise<void> {
  const runDir = mkdtempSync(join(dir, 'prime-'));
  const m = meshlogRun(runDir, e2eConfig(runDir, checkout), checkout);
  try {
    await adminReady(m);
    await postAll(`http://127.0.0.1:${PORT.lines}/v1/lines`, linesFrom(0, 1000, baseMs), 'text/plain', 1);
    const metrics = `http://127.0.0.1:${PORT.admin}/metrics`;
    await until('prime', async () => (await metricSum(metrics, 'meshlog_accepted_total', 'parse')) >= 1000, 60_000, m);
  } finally {
    await stop(m);
    rmSync(runDir, { recursive: true, force: true });
  }
}

function linesFrom(first: number, count: number, baseMs: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = first; i < first + count; i += 1000) {
    let text = '';
    for (let k = i; k < Math.min(first + count, i + 1000); k++) text += istioLine(k, baseMs) + '\n';
    bodies.push(Buffer.from(text));
  }
  return bodies;
}

async function heapPerJoinEvent(): Promise<Row[]> {
  const join = (await import('./join.bench.ts')).default;
  const rows = await join.run();
  return rows
    .filter((r) => r.measure === 'heap per buffered event')
    .map((r) => ({
      scenario: 'heap per buffered join event (B)',
      server: 'this branch',
      records: r.value,
      note: r.note,
    }));
}

const bench: Bench = {
  name: 'peers',
  description: 'meshlog beside the OpenTelemetry Collector (and beside f9e891b end to end), server CPU from /proc',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-peers-'));
    const baseMs = Date.now();
    const rows: Row[] = [];
    const log = (r: Row[]) => {
      for (const x of r) console.log(JSON.stringify(x));
      rows.push(...r);
    };
    console.log(`load average at start: ${load1()}`);
    try {
      if (['spans', 'logs', 'file', 'e2e'].some((s) => only.has(s)))
        for (const checkout of [ROOT, ...(BEFORE ? [BEFORE] : [])]) await primeCompileCache(dir, checkout, baseMs);
      if (only.has('spans')) {
        const n = Math.round(200 * SCALE);
        const bodies = Array.from({ length: n }, (_, i) => spansRequest(i));
        const warmBodies = Array.from({ length: WARM_REQUESTS }, (_, i) => spansRequest(n + i));
        log(await otlpScenario(dir, 'traces', bodies, warmBodies, SPANS_PER_REQUEST, ['http', 'grpc']));
      }
      if (only.has('logs')) {
        const n = Math.round(150 * SCALE);
        const bodies = Array.from({ length: n }, (_, i) => logsRequest(i, baseMs));
        const warmBodies = Array.from({ length: 20 }, (_, i) => logsRequest(n + i, baseMs));
        log(await otlpScenario(dir, 'logs', bodies, warmBodies, LOGS_PER_REQUEST, ['http']));
      }
      if (only.has('file')) log(await fileScenario(dir, Math.round(200_000 * SCALE), baseMs));
      if (only.has('e2e')) log(await e2eScenario(dir, Math.round(160_000 * SCALE), baseMs));
      if (only.has('heap')) log(await heapPerJoinEvent());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`load average at end: ${load1()}`);
    return rows;
  },
};
export default bench;
