import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packRecords, unpackRecords } from './record-codec.ts';

/**
 * Whatever the packer remembers between records to go faster (the shape of the record before, the
 * strings last sent at each key), the main thread must get back exactly what the worker had: the
 * same keys in the same order, -0, NaN, undefined, nulls, `[]` against `[""]`, any text.
 */

/** Where `b` first differs from `a` (Object.is for primitives, key order included), or undefined. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null)
    return Object.is(a, b) ? undefined : `${path}: ${String(b)} where ${String(a)} was sent`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array and object`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototype`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (JSON.stringify(ka) !== JSON.stringify(kb)) return `${path}: keys ${JSON.stringify(kb)} for ${JSON.stringify(ka)}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** Few keys, so that records share shapes and keys; ones that only a careful shape id keeps apart. */
const KEY = fc.constantFrom('a', 'b', 'c', '', '\u0000', 'a\u0000', '\u0000b', '1', '@timestamp', 'ü');
/** Few strings, so that they repeat at a key and across keys (what the packer's memory is for). */
const POOLED = fc.constantFrom('', 'GET', 'get', 'inbound', 'outbound', '\u0000', 'ünï✓', 'a\u0000b', '-');

const leaf = fc.oneof(
  POOLED,
  POOLED,
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, undefined, true, false, -0, 0, NaN, Infinity, 2 ** 31, -(2 ** 31)),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(KEY, tie('value'), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

/** Records of a few shapes (key lists, order kept), so that some batches compile builders. */
const batch = fc.array(fc.uniqueArray(KEY, { maxLength: 6 }), { minLength: 1, maxLength: 4 }).chain((shapes) =>
  fc.array(
    fc
      .nat(shapes.length - 1)
      .chain((s) =>
        fc
          .tuple(...shapes[s].map(() => value))
          .map((values) => Object.fromEntries(shapes[s].map((k, i) => [k, values[i]]))),
      ),
    { maxLength: 60 },
  ),
);

describe('record codec, property', () => {
  it('gives back every batch of random records exactly, through a structured clone', () => {
    fc.assert(
      fc.property(batch, (records) => {
        const back = unpackRecords(structuredClone(packRecords(records)));
        expect(back).toHaveLength(records.length);
        expect(firstDifference(records, back)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('gives back each record whole when the records alternate between shapes of the same key count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), POOLED, fc.oneof(POOLED, fc.integer())), { maxLength: 80 }),
        (rows) => {
          const records = rows.map(([swap, x, y]) => (swap ? { b: y, a: x } : { a: x, b: y }));
          expect(firstDifference(records, unpackRecords(structuredClone(packRecords(records))))).toBeUndefined();
        },
      ),
    );
  });
});
