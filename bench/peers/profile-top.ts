import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Top functions by self time of the `.cpuprofile` files in DIR (one per thread, as `node
 * --cpu-prof` writes them; the peer bench's PEERS_PROFILE makes them). With a `window.json` there
 * (the bench writes the measured window, CLOCK_MONOTONIC µs, the profiler's clock), only samples in
 * it count: start-up and warm-up are left out. Time blocked waiting is shown apart from busy time:
 * `(idle)` is the event loop waiting, piscina's `atomicsWaitLoop` a worker waiting for a task.
 *
 *   node bench/peers/profile-top.ts DIR [TOP=30]
 */
interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: Array<{ id: number; callFrame: Frame }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WAITING = new Set(['(idle)', 'atomicsWaitLoop']);

function where(f: Frame): string {
  const url = f.url.startsWith('file://') ? relative(ROOT, fileURLToPath(f.url)) : f.url;
  return `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
}

export function topFunctions(file: string, window?: { fromUs: number; toUs: number }, top = 30): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let busy = 0;
  let waiting = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    t += p.timeDeltas[i];
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const f = frames.get(p.samples[i])!;
    if (WAITING.has(f.functionName)) {
      waiting += dt;
      continue;
    }
    busy += dt;
    const key = where(f);
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const lines = [`== ${file}: busy ${Math.round(busy / 1000)} ms (waiting ${Math.round(waiting / 1000)} ms)`];
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const pct = `${((100 * us) / Math.max(busy, 1)).toFixed(1)}%`.padStart(6);
    lines.push(`${pct} ${String(Math.round(us / 1000)).padStart(7)} ms  ${key}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  const top = Number(process.argv[3] ?? 30);
  const windowFile = join(dir, 'window.json');
  const window = existsSync(windowFile) ? JSON.parse(readFileSync(windowFile, 'utf8')) : undefined;
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.cpuprofile'))
    .sort())
    console.log(topFunctions(join(dir, f), window, top));
}
