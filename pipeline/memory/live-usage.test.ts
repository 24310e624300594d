import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../workers/pool.ts';
import { processHeapSources } from './heap-sources.ts';
import { MemoryLimiter, MIN_READ_GAP_MS } from './limiter.ts';
import { LiveUsage, type UsageProbes } from './live-usage.ts';
import { workersLiveBytes } from './usage.ts';

const MIB = 2 ** 20;

/** A process whose figures the test sets: at start 60 MiB resident, 20 MiB of it live V8 memory. */
function fakeProcess() {
  const p = { rssMiB: 60, mainMiB: 20, workersMiB: 0 };
  const probes: UsageProbes = {
    rssBytes: () => p.rssMiB * MIB,
    mainLiveBytes: () => p.mainMiB * MIB,
    otherLiveBytes: () => Promise.resolve(p.workersMiB * MIB),
  };
  return { p, usage: new LiveUsage(probes) };
}

/** The default limit's figures: 512 MiB, soft limit 409.6 MiB. */
const limiterOn = (usage: LiveUsage, collect: () => void = () => undefined) =>
  new MemoryLimiter({
    limitMiB: 512,
    checkIntervalMs: 5,
    read: () => usage.read(),
    refresh: () => usage.refresh(),
    collect,
  });

const tick = () => new Promise((r) => setTimeout(r, MIN_READ_GAP_MS + 5)); // past the limiter's reading reuse

describe('LiveUsage under the memory limiter', () => {
  it('accepts again once a GC freed the heap, though the allocator keeps RSS high', async () => {
    const { p, usage } = fakeProcess();
    expect(usage.baselineBytes).toBe(40 * MIB);
    const m = limiterOn(usage, () => void (p.mainMiB = 30));
    p.rssMiB = 450; // the burst: RSS and the heap grow past the soft limit
    p.mainMiB = 400;
    expect(m.pastSoftLimit()).toBe(true);
    // The background check forces a GC: the heap shrinks to 30 MiB, RSS stays at 450 MiB.
    m.start();
    while (m.pastSoftLimit()) await tick();
    m.stop();
    expect(m.usedMiB).toBe(70); // 30 live + 40 baseline
  });

  it('keeps refusing while the memory is really live, and past the limit says hard', async () => {
    const { p, usage } = fakeProcess();
    const m = limiterOn(usage); // a GC frees nothing: the join holds the requests
    p.rssMiB = 600;
    p.mainMiB = 380;
    await tick();
    expect(m.pastSoftLimit()).toBe(true);
    expect(m.pastHardLimit()).toBe(false);
    p.mainMiB = 500;
    await tick();
    expect(m.pastHardLimit()).toBe(true);
    expect(m.usedMiB).toBe(540);
  });

  it('counts the worker threads heaps, refreshed in the background', async () => {
    const { p, usage } = fakeProcess();
    const m = limiterOn(usage).start();
    p.rssMiB = 500;
    p.workersMiB = 350; // 20 main + 350 workers + 40 baseline = 410 > 409.6
    while (!m.pastSoftLimit()) await tick();
    m.stop();
    expect(m.usedMiB).toBe(410);
  });

  it('is never above RSS: memory V8 counts but the OS never provided does not count', async () => {
    const { p, usage } = fakeProcess();
    p.mainMiB = 300;
    p.workersMiB = 200;
    await usage.refresh();
    expect(usage.read()).toBe(60);
  });

  it('keeps the last worker figure when reading the workers fails', async () => {
    const { p, usage } = fakeProcess();
    let fail = false;
    const failing = new LiveUsage({
      rssBytes: () => p.rssMiB * MIB,
      mainLiveBytes: () => p.mainMiB * MIB,
      otherLiveBytes: () => (fail ? Promise.reject(new Error('thread exited')) : Promise.resolve(100 * MIB)),
    });
    p.rssMiB = 1000;
    await failing.refresh();
    fail = true;
    await failing.refresh();
    expect(failing.read()).toBe(160); // 20 main + 100 workers + 40 baseline
    expect(usage.read()).toBe(60); // the same process without workers
  });
});

describe('worker-thread heaps (real threads)', () => {
  let worker: Worker | undefined;
  afterEach(async () => void (await worker?.terminate()));

  it('reads what a worker thread holds: 64 MiB of arrays it keeps', async () => {
    worker = new Worker(
      `globalThis.keep = Array.from({ length: 64 }, () => new Float64Array(131072).fill(1.5).buffer);
       setInterval(() => undefined, 60_000); // stays alive (holding them) until terminated
       require('node:worker_threads').parentPort.postMessage('ready');`,
      { eval: true },
    );
    await new Promise((resolve) => worker!.once('message', resolve));
    expect(await workersLiveBytes([worker])).toBeGreaterThanOrEqual(64 * MIB);
  });

  it('counts the worker pool threads while the pool is open, and not after it closes', async () => {
    const before = await processHeapSources.liveBytes();
    const pool = new WorkerPool({ threads: 1 });
    while ((await processHeapSources.liveBytes()) === before) await tick(); // the thread starts
    expect(await processHeapSources.liveBytes()).toBeGreaterThan(before + MIB); // an isolate is MiBs
    await pool.close();
    expect(await processHeapSources.liveBytes()).toBe(before);
  });
});
