import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const TICKS = 100;

/** A server process's own CPU time, user + system, all threads: fields 14 and 15 of /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/**
 * CPU seconds per kind of thread of a process (/proc/<pid>/task/<tid>/stat, by thread name): for
 * Node, `MainThread`, `WorkerThread` (the worker pool) and `V8Worker` (GC and JIT helpers).
 */
export function cpuSecondsByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS);
  }
  return out;
}

/** Peak resident set size in MB (VmHWM of /proc/<pid>/status). */
export function peakRssMB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

export function load1(): number {
  return Math.round(loadavg()[0] * 10) / 10;
}

/** Starts a server detached from our stdio (its stderr kept in memory for the error message, its stdout dropped). */
export function startServer(cmd: string, args: string[], cwd?: string): ChildProcess & { stderrText: () => string } {
  // PEERS_STDOUT=/prefix keeps each server's stdout in /prefix.<ms> (V8's --trace-gc-nvp writes there).
  const out = process.env.PEERS_STDOUT ? openSync(`${process.env.PEERS_STDOUT}.${Date.now()}`, 'w') : 'ignore';
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') closeSync(out);
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-4000);
  });
  return Object.assign(child, { stderrText: () => err });
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it is true; fails with the server's stderr when it exits or times out. */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  ms: number,
  child?: ChildProcess & { stderrText: () => string },
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child && child.exitCode !== null) throw new Error(`${what}: server exited: ${child.stderrText()}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what}: timed out after ${ms} ms${child ? `: ${child.stderrText()}` : ''}`);
}

/**
 * The number of lines in a file that only grows, reading only what was added since the last call
 * (0 while it does not exist). The end-to-end scenario waits on its output file with it: polling
 * meshlog's /metrics ten times a second cost its main thread 3-5 % (prom-client's default metrics,
 * the event-loop delay histogram above all), a load no Prometheus puts on it.
 */
export function lineCounter(path: string): () => number {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.allocUnsafe(1 << 20);
  return () => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return lines;
    }
    try {
      for (let n = readSync(fd, buf, 0, buf.length, offset); n > 0; n = readSync(fd, buf, 0, buf.length, offset)) {
        offset += n;
        const read = buf.subarray(0, n);
        for (let i = read.indexOf(10); i !== -1; i = read.indexOf(10, i + 1)) lines++;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

/** The sum of a Prometheus counter's samples whose labels contain `labels` (a substring), from a /metrics URL. */
export async function metricSum(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)/.exec(line);
    if (m && (m[1] === name || m[1] === `${name}_total`) && (m[2] ?? '').includes(labels)) sum += Number(m[3]);
  }
  return sum;
}
