import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoFormatter } from './iso.ts';

describe('IsoFormatter', () => {
  it('formats as Date#toISOString does, for times in order and out of order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 200_000 }),
        (starts, step) => {
          const iso = new IsoFormatter();
          for (const start of starts)
            for (let k = 0; k < 5; k++) {
              const ms = start + k * step;
              expect(iso.format(ms)).toBe(new Date(ms).toISOString());
            }
        },
      ),
    );
  });

  it('handles the edges of minutes, years before 1970 and after 9999', () => {
    const iso = new IsoFormatter();
    for (const ms of [
      59_999, 60_000, 60_001, -1, -60_000, -60_001, 0, 1, 253_402_300_800_000, 253_402_300_800_001, 1.5,
    ])
      expect(iso.format(ms)).toBe(new Date(ms).toISOString());
  });
});
