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
    // Each place: a digit, or a character next to the digits (/ : ) or another separator.
    const place = fc.constantFrom(...'0123456789', '/', ':', '-', 'T', 'Z', '.', ' ', '+');
    const shaped = fc.array(place, { minLength: 24, maxLength: 24 }).map((cs) => {
      const s = [...'2024-06-01T12:34:56.789Z'];
      // Keep the separators most of the time, so that the digit checks are what is tested.
      for (let i = 0; i < 24; i++) if (/\d/.test(s[i]) || cs[i] === '-' || cs[i] === ':') s[i] = cs[i];
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
