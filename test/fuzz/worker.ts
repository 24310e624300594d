import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { mutate } from './mutate.ts';
import { inputSeed, Rng } from './rng.ts';
import { addFinding, emptyStats, template } from './stats.ts';
import { heapBudget, type Outcome, type Target } from './target.ts';
import { TARGETS } from './targets/index.ts';

/** What the engine gives a fuzz worker. `ctl[0]` is the input index being run (-1 before the first). */
export interface WorkerJob {
  target: string;
  seed: number;
  from: number;
  to: number;
  ctl: SharedArrayBuffer;
  input: SharedArrayBuffer;
  probes?: boolean;
  /** Stop at this time (epoch ms) even if `to` is not reached. */
  deadline?: number;
  /** Run just this input (base64) and report how long it took: confirming a suspected hang. */
  single?: string;
}

const MIB = 1024 * 1024;
const heapNow = () => {
  const h = getHeapStatistics();
  return h.used_heap_size + h.external_memory;
};

/** Builds input `i`: probes and seeds first, then mutants of the corpus, generated inputs and raw bytes. */
function makeInput(
  t: Target,
  first: Uint8Array[],
  seeds: Uint8Array[],
  corpus: Uint8Array[],
  seed: number,
  i: number,
): Uint8Array {
  if (i < first.length) return first[i];
  const rng = new Rng(inputSeed(seed, i));
  const r = rng.int(100);
  let b: Uint8Array;
  // Half the mutants start from a real-data seed, so the accepting paths stay in reach.
  if (r < 70)
    b = mutate(rng, rng.pick(rng.chance(0.5) ? seeds : corpus), { maxLen: t.maxLen, dictionary: t.dictionary, corpus });
  else if (r < 95) b = t.generate(rng);
  else {
    b = new Uint8Array(rng.size(512));
    for (let k = 0; k < b.length; k++) b[k] = rng.int(256);
  }
  return b.length > t.maxLen ? b.subarray(0, t.maxLen) : b;
}

function signature(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const frame = (e.stack ?? '')
    .split('\n')
    .slice(1)
    .find((l) => l.includes('/wt-') || l.includes('meshlog') || l.includes('file://'));
  const where = frame?.replace(/^.*\/((?:processors|ingest|pipeline|node_modules)\/[^:)]+:\d+).*$/, '$1').trim() ?? '';
  // One cause is one place: the message often carries the input's values, so it is cut short.
  // A masked crash was thrown by the harness: its message (the decoder's reason) is the cause.
  return e.name === 'MaskedCrash'
    ? `MaskedCrash: ${template(e.message).slice(0, 90)}`
    : `${e.name} @ ${where}: ${template(e.message).slice(0, 50)}`;
}

/** This thread's CPU time since `c0`: unlike wall time, it does not grow when the machine is busy. */
function cpuMsSince(c0: NodeJS.CpuUsage): number {
  const c = process.threadCpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function runOne(t: Target, input: Uint8Array): Promise<Outcome> {
  const o = t.run(input);
  return o instanceof Promise ? await o : o;
}

/** Shrinks a crashing input while it still crashes with the same signature (a few hundred tries). */
async function minimise(t: Target, input: Uint8Array, sig: string): Promise<Uint8Array> {
  let best = input;
  let tries = 0;
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && tries < 400; chunk >>= 1) {
    for (let at = 0; at < best.length && tries < 400;) {
      const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - at));
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      tries++;
      let same = false;
      try {
        await runOne(t, candidate);
      } catch (err) {
        same = signature(err) === sig;
      }
      if (same) best = candidate;
      else at += chunk;
    }
  }
  return best;
}

async function main(job: WorkerJob): Promise<void> {
  const t = TARGETS[job.target];
  const ctl = new Int32Array(job.ctl);
  const shared = new Uint8Array(job.input);
  if (job.single !== undefined) {
    const input = new Uint8Array(Buffer.from(job.single, 'base64'));
    Atomics.store(ctl, 0, 0);
    const h0 = heapNow();
    const c0 = process.threadCpuUsage();
    let outcome: Outcome | undefined;
    let error: string | undefined;
    try {
      outcome = await runOne(t, input);
    } catch (err) {
      error = (err as Error).stack ?? String(err);
    }
    parentPort!.postMessage({ type: 'single', cpuMs: cpuMsSince(c0), grew: heapNow() - h0, outcome, error });
    return;
  }
  const seeds = t.seeds();
  const first = [...((job.probes !== false && t.probes?.()) || []), ...seeds];
  const corpus = [...seeds];
  const seen = new Set<string>();
  let stats = emptyStats(t.name);
  const started = performance.now();
  const flush = (type: 'progress' | 'done') => {
    stats.ms = performance.now() - started;
    parentPort!.postMessage({ type, stats, next: current + 1 });
    stats = emptyStats(t.name);
  };
  let current = job.from - 1;
  let lastFlush = performance.now();
  for (let i = job.from; i < job.to; i++) {
    if ((i & 255) === 0 && job.deadline !== undefined && Date.now() > job.deadline) break;
    current = i;
    const input = makeInput(t, first, seeds, corpus, job.seed, i);
    // The engine reads the input from here when this one hangs or runs the worker out of memory.
    const n = Math.min(input.length, shared.length - 4);
    new DataView(job.input).setUint32(0, n);
    shared.set(input.subarray(0, n), 4);
    Atomics.store(ctl, 0, i);
    const h0 = heapNow();
    const c0 = process.threadCpuUsage();
    let outcome: Outcome | undefined;
    let thrown: unknown;
    let crashed = false;
    try {
      outcome = await runOne(t, input);
    } catch (err) {
      crashed = true;
      thrown = err;
    }
    const ms = cpuMsSince(c0);
    const grew = heapNow() - h0;
    if (crashed) {
      stats.crashes++;
      const sig = signature(thrown);
      if (addFinding(stats, { kind: 'crash', signature: sig, input: '', detail: '' })) {
        const f = stats.findings[stats.findings.length - 1];
        // Shrinking takes many runs: hide it from the watchdog, which times single inputs.
        // Probes (large by design) are kept as they are.
        Atomics.store(ctl, 0, -1);
        const small = input.length <= 64 * 1024 ? await minimise(t, input, sig) : input;
        Atomics.store(ctl, 0, i);
        f.input = Buffer.from(small).toString('base64');
        f.detail = (thrown as Error).stack?.split('\n').slice(0, 8).join('\n') ?? String(thrown);
      }
    }
    stats.runs++;
    stats.bytes += input.length;
    if (ms > stats.slowestMs) stats.slowestMs = ms;
    if (grew > stats.peakHeapDelta) {
      stats.peakHeapDelta = grew;
      stats.peakHeapInputBytes = input.length;
    }
    if (grew > heapBudget(t, input.length)) {
      stats.memory++;
      addFinding(stats, {
        kind: 'memory',
        signature: `heap grew ${Math.round(grew / MIB)} MiB`,
        input: Buffer.from(input).toString('base64'),
        detail: `${input.length}-byte input grew the heap by ${grew} bytes`,
      });
    }
    if (outcome) {
      if (outcome.ok) stats.accepted++;
      else {
        stats.rejected++;
        if (!outcome.reason) {
          stats.noReason++;
          addFinding(stats, {
            kind: 'no-reason',
            signature: 'rejected without a reason',
            input: Buffer.from(input).toString('base64'),
            detail: '',
          });
        }
        const key = template(outcome.reason);
        stats.reasons[key] = (stats.reasons[key] ?? 0) + 1;
        // A new kind of answer means the input reached new code: keep it to mutate further.
        if (!seen.has(key) && corpus.length < 4000) {
          seen.add(key);
          corpus.push(input.slice());
        }
      }
      if (outcome.ok && i >= first.length && corpus.length < 4000 && (i & 63) === 0) corpus.push(input.slice());
    }
    // Report often, and at once after a finding: a worker the watchdog kills loses what it has not sent.
    // Probes (large, the likeliest to hang) report one by one.
    if (stats.findings.length > 0 || i + 1 < first.length || performance.now() - lastFlush > 1000) {
      flush('progress');
      lastFlush = performance.now();
    }
  }
  flush('done');
}

void main(workerData as WorkerJob);
