import { describe, expect, it } from 'vitest';
import { runOverload } from './overload-driver.ts';

// The short version of bench/overload.bench.ts (60 s): 10× the sustainable load from several
// senders against a real meshlog process with a memory limit.
describe('meshlog run under 10× its sustainable load', () => {
  it('keeps RSS under the limit, answers every sender 200 or retry, and loses nothing it accepted', async () => {
    const r = await runOverload({
      basePort: 44810,
      memoryLimitMiB: 512,
      calibrateMs: 2000,
      loadMs: 6000,
      factor: 10,
      senders: 6,
      linesPerRequest: 200,
      joinMaxPending: 20_000,
    });
    console.log('overload', JSON.stringify(r));
    expect(r.otherAnswers).toBe(0);
    expect(r.accepted).toBeGreaterThan(0);
    expect(r.refused).toBeGreaterThan(0); // it was overloaded, and said so
    expect(r.lostLines).toBe(0);
    expect(r.peakRssMiB).toBeLessThan(r.limitMiB);
  });
});
