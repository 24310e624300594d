import { describe, expect, it } from 'vitest';
import { MemoryLimiter, MIN_READ_GAP_MS } from './limiter.ts';

describe('MemoryLimiter', () => {
  it('puts the soft limit at limit minus spike, 20% of the limit by default, as the Collector does', () => {
    expect(new MemoryLimiter({ limitMiB: 512 }).softLimitMiB).toBeCloseTo(409.6);
    expect(new MemoryLimiter({ limitMiB: 512, spikeLimitMiB: 100 }).softLimitMiB).toBe(412);
  });

  it('reads usage when asked, and tells soft from hard', async () => {
    const used = { mib: 100 };
    const m = new MemoryLimiter({ limitMiB: 500, spikeLimitMiB: 100, read: () => used.mib });
    expect(m.pastSoftLimit()).toBe(false);
    used.mib = 450;
    await new Promise((r) => setTimeout(r, MIN_READ_GAP_MS + 5)); // closer readings are reused
    expect(m.pastSoftLimit()).toBe(true);
    expect(m.pastHardLimit()).toBe(false);
    used.mib = 501;
    await new Promise((r) => setTimeout(r, MIN_READ_GAP_MS + 5));
    expect(m.pastHardLimit()).toBe(true);
    expect(m.usedMiB).toBe(501);
  });

  it('reads in the background once started', async () => {
    let reads = 0;
    const m = new MemoryLimiter({ limitMiB: 500, checkIntervalMs: 5, read: () => (reads++, 1) }).start();
    while (reads < 3) await new Promise((r) => setTimeout(r, 5));
    m.stop();
    expect(m.usedMiB).toBe(1);
  });

  it('refuses a spike limit that leaves no soft limit, naming it', () => {
    expect(() => new MemoryLimiter({ limitMiB: 100, spikeLimitMiB: 100 })).toThrow(
      'memorySpikeLimitMiB must be in [0, 100), got 100',
    );
  });
});

describe('MemoryLimiter garbage collection', () => {
  it('forces a GC when a background reading is past the soft limit, and not below it', async () => {
    const used = { mib: 100 };
    let collected = 0;
    const m = new MemoryLimiter({
      limitMiB: 500,
      spikeLimitMiB: 100,
      checkIntervalMs: 5,
      read: () => used.mib,
      collect: () => void (collected++, (used.mib = 300)),
    }).start();
    await new Promise((r) => setTimeout(r, 30));
    expect(collected).toBe(0);
    used.mib = 450;
    while (collected === 0) await new Promise((r) => setTimeout(r, 5));
    m.stop();
    expect(m.pastSoftLimit()).toBe(false); // read again after the GC
  });
});
