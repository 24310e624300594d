import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeKey, templatePath } from './route.ts';

/**
 * templatePath is a hand-written scanner; the regexes it replaced are the specification. Any
 * difference would change `mesh.route`, and with it every window, metric and dashboard keyed by it.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;

function referenceTemplatePath(path: string): string {
  const q = path.indexOf('?');
  const bare = q === -1 ? path : path.slice(0, q);
  return bare
    .split('/')
    .map((seg) => (NUMBER.test(seg) || UUID.test(seg) || HEX.test(seg) ? '{id}' : seg))
    .join('/');
}

const hexDigits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: min, maxLength: max }).map((a) => a.join(''));
const uuid = fc
  .tuple(hexDigits(8, 8), hexDigits(4, 4), hexDigits(4, 4), hexDigits(4, 4), hexDigits(12, 12))
  .map((p) => p.join('-'));
/** Near misses of each id kind: one character off, one too short or too long, a lookalike letter. */
const nearMiss = fc.oneof(
  uuid.map((u) => u.slice(1)),
  uuid.map((u) => `${u}0`),
  uuid.map((u) => u.replace('-', '0')),
  uuid.map((u) => u.replace(/[a-f]/i, 'g')),
  fc.stringMatching(/^[a-fA-F]{8,12}$/),
  hexDigits(7, 7),
  // A hex run with one character just outside 0-9, a-f or A-F in it.
  fc.tuple(hexDigits(0, 8), fc.constantFrom(...'`gG@:/-.'), hexDigits(0, 8)).map((p) => p.join('')),
  fc.stringMatching(/^-?\d+[a-z+.-]?$/),
  fc.constantFrom('٣٤٥', '１２３', 'ａｂｃ12345678', 'ſ1234567', 'K1234567', '１2345678'),
);
const segment = fc.oneof(
  fc.stringMatching(/^\d{1,12}$/),
  uuid,
  hexDigits(8, 40),
  nearMiss,
  fc.constantFrom('', 'api', 'v1', 'v2', 'items', 'reviews', 'deadbeef', 'cafe1234', '.', '..', '{id}'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constant('?'),
  fc.tuple(fc.string({ maxLength: 10 }), fc.array(segment, { maxLength: 3 })).map(([q, s]) => `?${q}/${s.join('/')}`),
);
const pathLike = fc
  .tuple(fc.boolean(), fc.array(segment, { maxLength: 8 }), query)
  .map(([lead, segs, q]) => `${lead ? '/' : ''}${segs.join('/')}${q}`);

describe('templatePath', () => {
  it('equals the regex reference on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (s) => {
        expect(templatePath(s)).toBe(referenceTemplatePath(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('equals the regex reference on path-like strings of ids, words, empty segments and queries', () => {
    fc.assert(
      fc.property(pathLike, (s) => {
        expect(templatePath(s)).toBe(referenceTemplatePath(s));
      }),
      { numRuns: 10000 },
    );
  });

  it.each([
    ['/api/v1/items/977', '/api/v1/items/{id}'],
    ['/u/3FA85F64-5717-4562-B3FC-2C963F66AFA6/orders?page=2', '/u/{id}/orders'],
    ['/blob/deadbeef/cafe1234', '/blob/deadbeef/{id}'],
    ['/blob/abcdef1/00000000', '/blob/abcdef1/{id}'],
    ['//a//1/', '//a//{id}/'],
    ['?x=1/2', ''],
    ['/١٢٣/123', '/١٢٣/{id}'],
  ])('%s becomes %s', (path, route) => {
    expect(templatePath(path)).toBe(route);
    expect(referenceTemplatePath(path)).toBe(route);
  });
});

describe('routeKey', () => {
  it('keeps a meaningful route name, else templates the path of an HTTP hop; a TCP hop is tcp', () => {
    expect(routeKey('reviews-v2', '/reviews/1', 'GET')).toBe('reviews-v2');
    expect(routeKey('default', '/reviews/1?x', 'GET')).toBe('/reviews/{id}');
    expect(routeKey('inbound|9080||', '/reviews/1', 'GET')).toBe('/reviews/{id}');
    expect(routeKey(null, null, 'GET')).toBe('/');
    expect(routeKey(null, '/reviews/1', null)).toBe('tcp');
  });
});
