import { afterEach, describe, expect, it } from 'vitest';
import { configureProcessMemoryLimit } from '../memory/process.ts';
import { Metrics } from './metrics.ts';

const MIB = 2 ** 20;

describe('memory gauges on /metrics', () => {
  afterEach(() => {
    configureProcessMemoryLimit({ limitMiB: 512 });
  });

  it('show what the memory limiter judges and its two limits, read at scrape time', async () => {
    const used = { mib: 123 };
    configureProcessMemoryLimit({ limitMiB: 400, spikeLimitMiB: 100, read: () => used.mib });
    const metrics = new Metrics();
    const sample = async (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await metrics.registry.metrics())?.[1] ?? NaN);
    expect(await sample('meshlog_memory_used_bytes')).toBe(123 * MIB);
    expect(await sample('meshlog_memory_soft_limit_bytes')).toBe(300 * MIB);
    expect(await sample('meshlog_memory_limit_bytes')).toBe(400 * MIB);
    // A limiter configured again (SIGHUP with a new memoryLimitMiB) is what the next scrape shows.
    configureProcessMemoryLimit({ limitMiB: 200, read: () => 50 });
    expect(await sample('meshlog_memory_limit_bytes')).toBe(200 * MIB);
    expect(await sample('meshlog_memory_used_bytes')).toBe(50 * MIB);
  });
});
