import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLine } from './chunk.ts';

/** Every call forEachLine makes: the line (or the raw bytes of one that is not UTF-8) and its number. */
function calls(data: Uint8Array, pieceBytes?: number) {
  const out: Array<[string, number]> = [];
  forEachLine(
    data,
    (line, lineNo, raw) => out.push([line ?? `invalid:${Buffer.from(raw).toString('hex')}`, lineNo]),
    pieceBytes,
  );
  return out;
}

const bytes = fc
  .array(fc.constantFrom([0x61], [0x0a], [0x0d], [0x20], [0xc3, 0xa9], [0xff], [0x62, 0x0a]), { maxLength: 200 })
  .map((parts) => Uint8Array.from(parts.flat()));

describe('forEachLine', () => {
  it('gives the same lines and numbers in pieces of any size as reading the chunk at once', () => {
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 40 }), (data, piece) => {
        const whole = calls(data, Infinity);
        // A chunk without bad bytes is the same either way; with them, only the pieces holding one
        // are read line by line, and those lines are named the same.
        expect(calls(data, piece)).toEqual(whole);
      }),
    );
  });

  it('numbers lines as the text has them, blank ones counted and not passed on', () => {
    expect(calls(Buffer.from('a\n\n  \nb\r\nc'), 2)).toEqual([
      ['a', 1],
      ['b', 4],
      ['c', 5],
    ]);
  });
});
