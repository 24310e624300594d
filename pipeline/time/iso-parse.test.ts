import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoMs } from './iso.ts';

const at = parseIsoMs;

describe('parseIsoMs', () => {
  it('reads the parser’s ISO timestamps exactly as Date.parse does, month ends and leap days included', () => {
    const samples: string[] = [];
    for (let y = 1000; y <= 9999; y += 7)
      for (const md of ['01-01', '02-28', '02-29', '03-01', '04-30', '12-31']) samples.push(`${y}-${md}T23:59:59.999Z`);
    for (let k = 0; k < 2000; k++) samples.push(new Date(-5e12 + k * 1.3e10 + k).toISOString());
    for (const t of samples) expect(at(t), t).toBe(Date.parse(t));
  });

  it('gives Date.parse’s answer for what is not that form or not a date', () => {
    for (const t of [
      '2023-02-29T00:00:00.000Z',
      '2024-04-31T00:00:00.000Z',
      '2024-13-01T00:00:00.000Z',
      '2024-06-01T24:00:00.000Z',
      '2024-06-01T00:00:60.000Z',
      '2a24-06-01T00:00:00.000Z',
      '0999-06-01T00:00:00.000Z',
      '2024-06-01T00:00:00Z',
      '2024-06-01T00:00:00.000+01:00',
      'not a time',
    ]) {
      expect(Object.is(at(t), Date.parse(t)), t).toBe(true);
    }
  });

  it('gives Date.parse’s answer for any string shaped like the form, whatever character sits in each place', () => {
    // A valid time with one or two places changed: to a digit (out-of-range fields), a character
    // next to the digits (/ :), or another separator.
    const place = fc.constantFrom(...'0123456789', '/', ':', '-', 'T', 'Z', '.', ' ', '+');
    const valid = fc
      .date({
        min: new Date('1000-01-01T00:00:00.000Z'),
        max: new Date('9999-12-31T23:59:59.999Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    const change = fc.tuple(fc.nat(23), place);
    const shaped = fc.tuple(valid, fc.array(change, { minLength: 1, maxLength: 2 })).map(([t, changes]) => {
      const s = [...t];
      for (const [i, c] of changes) s[i] = c;
      return s.join('');
    });
    fc.assert(
      fc.property(shaped, (t) => {
        expect(Object.is(at(t), Date.parse(t)), t).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
