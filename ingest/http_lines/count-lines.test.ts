import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLines } from './fluentbit-body.ts';

describe('countLines', () => {
  it('counts the lines of a body, a last one without a newline included, in any view of a buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\n', 'é')), fc.nat(8), (chars, pad) => {
        const text = chars.join('');
        const expected = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
        const bytes = Buffer.from('\n'.repeat(pad) + text + '\n'.repeat(pad));
        expect(countLines(bytes.subarray(pad, bytes.length - pad))).toBe(expected);
      }),
    );
  });
});
