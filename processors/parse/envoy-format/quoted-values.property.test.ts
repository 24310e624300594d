import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileText } from './compile.ts';

/**
 * A quoted value used to be matched by `((?:[^"]|"(?!after))*)`; it is now the unrolled
 * `([^"]*(?:"(?!after)[^"]*)*)`, which is faster. Both must split every line the same way, inner
 * quotes and lines that backtrack or fail included. The references below are the regexes the
 * compiler built before, written out by hand for each format.
 */
const CASES = [
  {
    format: '"%REQ(A)%" "%REQ(B)%" %BYTES_SENT%',
    reference: /^"((?:[^"]|"(?! "))*)" "((?:[^"]|"(?! ))*)" (-?\d+|-)$/,
    keys: ['req.a', 'req.b', 'bytes_sent'],
  },
  {
    format: '%BYTES_SENT% "%REQ(A)%"',
    reference: /^(-?\d+|-) "((?:[^"]|"(?!$))*)"$/,
    keys: ['bytes_sent', 'req.a'],
  },
  {
    format: '"%REQ(A)%"ab"%REQ(B)%" x',
    reference: /^"((?:[^"]|"(?!ab"))*)"ab"((?:[^"]|"(?! x))*)" x$/,
    keys: ['req.a', 'req.b'],
  },
  {
    format: '"%REQ(A)%" "%REQ(B)%"',
    spaceFree: true,
    reference: /^"((?:[^"]|"(?! "))*)" "((?:[^"]|"(?!$))*)"[ \t]*$/,
    keys: ['req.a', 'req.b'],
  },
];

/** Few characters, so quotes, spaces and the literals' letters collide often. */
const chars = (maxLength: number) =>
  fc.array(fc.constantFrom('"', '"', ' ', 'a', 'b', 'x', '1', '-', '\t'), { maxLength }).map((a) => a.join(''));

/** The format rendered with such values in place of its operators (matches often), or any short line. */
const lineOf = (format: string) => {
  const literals = format.split(/%[A-Z_]+(?:\([^)]*\))?%/);
  const values = fc.array(fc.oneof(chars(8), fc.constantFrom('12', '-', '-3', '')), {
    minLength: literals.length - 1,
    maxLength: literals.length - 1,
  });
  const rendered = values.map((v) => literals.map((lit, i) => lit + (v[i] ?? '')).join(''));
  return fc.oneof(rendered, chars(24));
};

describe('quoted values in a text format', () => {
  it.each(CASES)('$format splits lines as its old regex did', ({ format, reference, keys, spaceFree }) => {
    const parser = compileText(format, { spaceFree });
    fc.assert(
      fc.property(lineOf(format), (text) => {
        const fields = parser.parse(text);
        const m = reference.exec(text);
        if (!m) {
          expect(fields).toBeNull();
          return;
        }
        const values = keys.map((k) => (k === 'bytes_sent' ? fields?.bytes_sent : fields?.extras?.[k]));
        expect(values).toEqual(m.slice(1).map((v) => (v === '-' || v === '' ? null : v)));
      }),
      { numRuns: 20000 },
    );
  });

  it('keeps a quote inside a value when it is not followed by the closing literal', () => {
    const fields = compileText('"%REQ(A)%" "%REQ(B)%" %BYTES_SENT%').parse('"say "hi" now" "x"y" 12');
    expect(fields?.extras).toEqual({ 'req.a': 'say "hi" now', 'req.b': 'x"y' });
  });
});
