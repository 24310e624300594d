import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldError, normalise, splitAddress } from './normalise.ts';

/**
 * normalise reads integers and `ip:port` addresses with hand-written scanners; the regexes they
 * replaced are the specification. A difference would change a record's ports, sizes or durations,
 * or accept a line that used to be dead-lettered (or the reverse).
 */
function referenceSplitAddress(addr: string | null): { ip: string | null; port: number | null } {
  if (!addr) return { ip: null, port: null };
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$/.exec(addr);
  if (!m) return { ip: null, port: null };
  return { ip: m[1], port: Number(m[2]) };
}

/** What normalise made of an integer field: the number, or the FieldError's message. */
function referenceCount(s: string, field: string): number | null | string {
  if (s === '-' || s === '') return null;
  if (!/^-?\d+$/.test(s)) return `${field} is not an integer: ${JSON.stringify(s)}`;
  const n = Number(s);
  return n < 0 || !Number.isFinite(n) ? `${field} is negative: ${n}` : n;
}

const addressChar = fc.constantFrom(...'0123456789abcdefABCDEFgG:.[]%-+ /١');
const digits = fc.stringMatching(/^\d{1,6}$/);
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.stringMatching(/^[0-9a-fA-F:.]{0,12}$/));
const addressLike = fc.oneof(
  fc
    .tuple(ip, fc.constantFrom(':', '', ']:', '::', ':-'), fc.oneof(digits, fc.constant(''), fc.string()))
    .map(([a, sep, port]) => `${a}${sep}${port}`),
  fc
    .tuple(ip, fc.constantFrom(']:', ']', ':', ']]:', '', ']:]'), fc.oneof(digits, fc.constant('')))
    .map(([a, sep, port]) => `[${a}${sep}${port}`),
  fc.array(addressChar, { maxLength: 16 }).map((a) => a.join('')),
  // A good `ip:port` with one character just outside [0-9a-fA-F:.] somewhere in the ip.
  fc
    .tuple(ip, fc.constantFrom(...'gG@`/;-+ %[]١'), fc.nat(40), digits)
    .map(([a, c, k, port]) => `${a.slice(0, k % (a.length + 1))}${c}${a.slice(k % (a.length + 1))}:${port}`),
  fc.constantFrom(
    ':80',
    '[::1]',
    '[::1]:80',
    '1.2.3.4:',
    '::ffff:1.2.3.4:80',
    '[1::2]:0080',
    '[]:80',
    '[[::1]]:80',
    '1.2.3.4]:80',
    '[1.2.3.4:80',
    ']:80',
    ':::80',
    '10.0.0.1:99999999999999999999999',
    '[fe80::1%eth0]:80',
    'unix:/var/run/x.sock',
    'envoy://internal_client_address/',
    '١.٢:80',
    '1.2.3.4:８０',
  ),
);

describe('splitAddress', () => {
  it('equals the regex reference on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (s) => {
        expect(splitAddress(s)).toEqual(referenceSplitAddress(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('equals the regex reference on address-like strings: v4, v6, brackets, odd ports and separators', () => {
    fc.assert(
      fc.property(addressLike, (s) => {
        expect(splitAddress(s)).toEqual(referenceSplitAddress(s));
      }),
      { numRuns: 10000 },
    );
  });

  it.each([
    ['10.1.0.2:8080', '10.1.0.2', 8080],
    ['[::1]:80', '::1', 80],
    ['::ffff:1.2.3.4:80', '::ffff:1.2.3.4', 80],
    ['[1::2]:0080', '1::2', 80],
    ['1.2.3.4]:80', '1.2.3.4', 80],
    [':80', null, null],
    ['[::1]', null, null],
    ['1.2.3.4:', null, null],
    ['[fe80::1%eth0]:80', null, null],
  ])('%s is ip %s port %s', (addr, ip, port) => {
    expect(splitAddress(addr)).toEqual({ ip, port });
  });
});

describe('integer fields', () => {
  const line = (bytes: string) =>
    normalise({ start_time: '2026-12-01T00:00:00.000Z', method: 'GET', path: '/', bytes_sent: bytes }, 'test');
  const read = (bytes: string): number | null | string => {
    try {
      return line(bytes)['http.response.bytes'] ?? null;
    } catch (err) {
      if (err instanceof FieldError) return err.message;
      throw err;
    }
  };
  const integerLike = fc.oneof(
    fc.stringMatching(/^-?0*\d{0,20}$/),
    fc.bigInt().map(String),
    fc.constantFrom(
      '-',
      '',
      '-0',
      '0012',
      '+1',
      '1e3',
      '0x10',
      ' 1',
      '1 ',
      '١٢',
      '9'.repeat(400),
      '-' + '9'.repeat(17),
    ),
    fc.string({ maxLength: 4 }),
  );

  it('reads a count exactly as /^-?\\d+$/ and Number did, with the same error messages', () => {
    fc.assert(
      fc.property(integerLike, (s) => {
        // toBe compares with Object.is: `-0` stays -0, as Number('-0') made it.
        expect(read(s)).toBe(referenceCount(s, 'bytes_sent'));
      }),
      { numRuns: 10000 },
    );
  });

  it.each([
    ['0012', 12],
    ['9007199254740993', 9007199254740992],
    ['-1', 'bytes_sent is negative: -1'],
    ['1.5', 'bytes_sent is not an integer: "1.5"'],
    ['9'.repeat(400), 'bytes_sent is negative: Infinity'],
  ])('%s reads as %s', (s, expected) => {
    expect(read(s)).toBe(expected);
  });
});

describe('url.path and url.query', () => {
  it('split the path at its first ? as split/includes/indexOf did', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[/a?=&]{0,12}$/)), (path) => {
        const rec = normalise({ start_time: '2026-12-01T00:00:00.000Z', method: 'GET', path }, 'test');
        const expected = path === '' || path === '-' ? null : path;
        expect(rec['url.original']).toBe(expected);
        expect(rec['url.path']).toBe(expected === null ? null : expected.split('?', 1)[0]);
        expect(rec['url.query']).toBe(
          expected !== null && expected.includes('?') ? expected.slice(expected.indexOf('?') + 1) : null,
        );
      }),
      { numRuns: 3000 },
    );
  });
});
