import { Worker } from 'node:worker_threads';
import { addFinding, emptyStats, merge, type TargetStats } from './stats.ts';
import type { WorkerJob } from './worker.ts';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** An input running longer than this is a hang (default 1000 ms). */
  timeoutMs?: number;
  /** The worker's old-generation heap cap: an input that needs more is a memory finding. */
  heapMb?: number;
  onProgress?: (s: TargetStats) => void;
}

const WORKER = new URL('./worker.ts', import.meta.url);
const INPUT_BYTES = 1024 * 1024;

/**
 * Runs `runs` inputs through one target in a worker thread, with a watchdog: the worker writes
 * the index of the input it is on into shared memory, and one that stays on an input past the
 * timeout is terminated, its input recorded as a hang (after a rerun alone confirms it), and a
 * new worker carries on from the next index. A worker that dies of heap exhaustion is recorded as
 * a memory finding the same way.
 */
export async function fuzzTarget(target: string, o: FuzzOptions): Promise<TargetStats> {
  const total = emptyStats(target);
  const timeoutMs = o.timeoutMs ?? 1000;
  let from = 0;
  while (from < o.runs) {
    const r = await runWorker(target, o, from, timeoutMs, total);
    if (r.stoppedAt === undefined) break;
    from = r.stoppedAt + 1;
  }
  return total;
}

function inputOf(buf: SharedArrayBuffer): Uint8Array {
  const n = new DataView(buf).getUint32(0);
  return new Uint8Array(buf, 4, n).slice();
}

function spawn(job: WorkerJob, heapMb: number): Worker {
  return new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
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
  const job: WorkerJob = { target, seed: o.seed, from, to: o.runs, ctl, input };
  const worker = spawn(job, o.heapMb ?? 512);
  return new Promise((resolve) => {
    let last = -1;
    let since = performance.now();
    let settled = false;
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
      void worker.terminate().then(async () => {
        const ms = await timeAlone(target, stuck, o, timeoutMs * 5);
        total.runs++;
        total.bytes += stuck.length;
        if (ms >= timeoutMs) {
          total.hangs++;
          addFinding(total, {
            kind: 'hang',
            signature: `over ${timeoutMs} ms`,
            input: Buffer.from(stuck).toString('base64'),
            detail: `input #${i} (${stuck.length} bytes) ran ${Math.round(ms)} ms alone`,
          });
        } else {
          // It finished in time when rerun alone: the machine was busy, not the decoder stuck.
          total.slowestMs = Math.max(total.slowestMs, ms);
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
    worker.on('exit', () => finish({}));
  });
}

/** Reruns one input alone in a fresh worker; resolves with its time, or `limitMs` if it never finishes. */
async function timeAlone(target: string, bytes: Uint8Array, o: FuzzOptions, limitMs: number): Promise<number> {
  const job: WorkerJob = {
    target,
    seed: o.seed,
    from: 0,
    to: 1,
    ctl: new SharedArrayBuffer(4),
    input: new SharedArrayBuffer(4),
    single: Buffer.from(bytes).toString('base64'),
  };
  const worker = spawn(job, o.heapMb ?? 512);
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve(limitMs)), limitMs);
    worker.on('message', (m: { ms: number }) => {
      clearTimeout(timer);
      resolve(m.ms);
    });
    worker.on('error', () => {
      clearTimeout(timer);
      resolve(limitMs);
    });
  });
}
