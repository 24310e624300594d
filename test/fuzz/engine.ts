import { Worker } from 'node:worker_threads';
import { addFinding, emptyStats, merge, type TargetStats } from './stats.ts';
import type { Outcome } from './target.ts';
import type { WorkerJob } from './worker.ts';
import { heapBudget } from './target.ts';
import { TARGETS } from './targets/index.ts';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** An input running longer than this is a hang (default 1000 ms). */
  timeoutMs?: number;
  /** The worker's old-generation heap cap: an input that needs more is a memory finding. */
  heapMb?: number;
  /** Run the target's probes at scale first (default true). */
  probes?: boolean;
  /** Stop at this time (epoch ms) even if fewer than `runs` inputs have run. */
  deadline?: number;
  onProgress?: (s: TargetStats) => void;
}

const WORKER = new URL('./worker.ts', import.meta.url);
const INPUT_BYTES = 8 * 1024 * 1024;
/** How long a suspected hang gets when rerun alone before it counts as stuck. */
const RERUN_LIMIT_MS = 30_000;

/**
 * Runs `runs` inputs through one target in a worker thread, with a watchdog: the worker writes
 * the index of the input it is on into shared memory, and one that stays on an input past the
 * timeout (wall clock) is terminated; the input is rerun alone and counts as a hang if it takes
 * more than the timeout in CPU time, and a new worker carries on from the next index. A worker that dies of heap exhaustion is recorded as
 * a memory finding the same way.
 */
export async function fuzzTarget(target: string, o: FuzzOptions): Promise<TargetStats> {
  const total = emptyStats(target);
  const timeoutMs = o.timeoutMs ?? 1000;
  let from = 0;
  while (from < o.runs) {
    const r = await runWorker(target, o, from, timeoutMs, total);
    if (r.stoppedAt === undefined || (o.deadline !== undefined && Date.now() > o.deadline)) break;
    from = r.stoppedAt + 1;
  }
  return total;
}

function inputOf(buf: SharedArrayBuffer): Uint8Array {
  const n = new DataView(buf).getUint32(0);
  return new Uint8Array(buf, 4, n).slice();
}

function spawn(job: WorkerJob, heapMb: number): Worker {
  // The receivers decode msgpack on the main thread, whose stack is about 1 MiB (a worker's is 4):
  // the fuzz worker gets the smaller one, so recursion that overflows in production overflows here.
  return new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb, stackSizeMb: 1 } });
}

async function runWorker(
  target: string,
  o: FuzzOptions,
  from: number,
  timeoutMs: number,
  total: TargetStats,
): Promise<{ stoppedAt?: number }> {
  const ctl = new SharedArrayBuffer(4);
  const input = new SharedArrayBuffer(INPUT_BYTES + 4);
  new Int32Array(ctl)[0] = -1;
  const job: WorkerJob = { target, seed: o.seed, from, to: o.runs, ctl, input, deadline: o.deadline, probes: o.probes };
  const worker = spawn(job, o.heapMb ?? 512);
  return new Promise((resolve) => {
    let last = -1;
    let since = performance.now();
    let settled = false;
    // Set when the watchdog kills the worker: its exit must not end the run before the hang is recorded.
    let stopping = false;
    const finish = (r: { stoppedAt?: number }) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(r);
    };
    const watchdog = setInterval(() => {
      const i = Atomics.load(new Int32Array(ctl), 0);
      const now = performance.now();
      if (i !== last) {
        last = i;
        since = now;
        return;
      }
      if (i < 0 || now - since < timeoutMs) return;
      const stuck = inputOf(input);
      clearInterval(watchdog);
      stopping = true;
      void worker.terminate().then(async () => {
        const alone = await timeAlone(target, stuck, o, RERUN_LIMIT_MS);
        total.runs++;
        total.bytes += stuck.length;
        if (alone.grew !== undefined && alone.grew > heapBudget(TARGETS[target], stuck.length)) {
          total.memory++;
          addFinding(total, {
            kind: 'memory',
            signature: `heap grew ${Math.round(alone.grew / 1048576)} MiB: input #${i} (${stuck.length} bytes)`,
            input: Buffer.from(stuck).toString('base64'),
            detail: `input #${i} (${stuck.length} bytes) grew the heap by ${alone.grew} bytes when rerun alone`,
          });
        }
        if (alone.grew !== undefined && alone.grew > total.peakHeapDelta) {
          total.peakHeapDelta = alone.grew;
          total.peakHeapInputBytes = stuck.length;
        }
        if (alone.cpuMs === undefined || alone.cpuMs >= timeoutMs) {
          total.hangs++;
          addFinding(total, {
            kind: 'hang',
            signature: `over ${timeoutMs} ms: input #${i} (${stuck.length} bytes)`,
            input: Buffer.from(stuck).toString('base64'),
            detail:
              alone.cpuMs === undefined
                ? `input #${i} (${stuck.length} bytes) did not finish in ${RERUN_LIMIT_MS} ms alone`
                : `input #${i} (${stuck.length} bytes) took ${Math.round(alone.cpuMs)} ms of CPU alone`,
          });
        } else {
          // It finished in time when rerun alone: the machine was busy, not the decoder stuck.
          total.slowestMs = Math.max(total.slowestMs, alone.cpuMs);
          total.accepted++;
        }
        finish({ stoppedAt: i });
      });
    }, 100);
    worker.on('message', (m: { type: string; stats: TargetStats }) => {
      merge(total, m.stats);
      o.onProgress?.(total);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const i = Atomics.load(new Int32Array(ctl), 0);
      const stuck = inputOf(input);
      total.runs++;
      total.bytes += stuck.length;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') total.memory++;
      else total.crashes++;
      addFinding(total, {
        kind: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'crash',
        signature: `worker died: ${err.code ?? err.message}`,
        input: Buffer.from(stuck).toString('base64'),
        detail: `input #${i} (${stuck.length} bytes): ${err.message}`,
      });
      finish({ stoppedAt: i });
    });
    worker.on('exit', () => {
      if (!stopping) finish({});
    });
  });
}

/** One input run alone: its CPU time and heap growth, and its answer or the exception it threw. */
export interface Alone {
  cpuMs?: number;
  grew?: number;
  outcome?: Outcome;
  error?: string;
}

/**
 * Reruns one input alone in a fresh worker and measures its CPU time (the wall clock of a busy
 * shared machine says little). The limit counts from the moment the input starts, not from the
 * worker's start-up; `cpuMs` is undefined if it never finishes.
 */
export async function timeAlone(
  target: string,
  bytes: Uint8Array,
  o: Pick<FuzzOptions, 'seed' | 'heapMb'>,
  limitMs: number,
): Promise<Alone> {
  const ctl = new SharedArrayBuffer(4);
  new Int32Array(ctl)[0] = -1;
  const job: WorkerJob = {
    target,
    seed: o.seed,
    from: 0,
    to: 1,
    ctl,
    input: new SharedArrayBuffer(4),
    single: Buffer.from(bytes).toString('base64'),
  };
  const worker = spawn(job, o.heapMb ?? 512);
  return new Promise((resolve) => {
    let started: number | undefined;
    const done = (r: Alone) => {
      clearInterval(timer);
      resolve(r);
    };
    const timer = setInterval(() => {
      if (started === undefined && Atomics.load(new Int32Array(ctl), 0) === 0) started = performance.now();
      if (started !== undefined && performance.now() - started > limitMs) {
        clearInterval(timer);
        void worker.terminate().then(() => done({}));
      }
    }, 50);
    worker.on('message', (m: Alone) => done(m));
    worker.on('error', (err: Error & { code?: string }) =>
      // Out of heap when rerun alone: the heap grew past the worker's cap.
      done(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { grew: (o.heapMb ?? 512) * 1048576 } : {}),
    );
  });
}
