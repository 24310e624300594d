import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ndjson } from './ndjson.ts';

describe('ndjson', () => {
  it('is the records as JSON lines, whatever their size and characters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.string(), text: fc.string({ unit: 'grapheme', maxLength: 3000 }) })),
        (rs) => {
          const expected = rs.map((r) => JSON.stringify(r) + '\n').join('');
          expect(ndjson(rs).toString('utf8')).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
    // Many pieces: 2,000 lines of ~120 characters, two bytes each.
    const many = Array.from({ length: 2000 }, (_, i) => ({ i, text: 'é'.repeat(100) }));
    expect(ndjson(many).toString('utf8')).toBe(many.map((r) => JSON.stringify(r) + '\n').join(''));
  });
});
