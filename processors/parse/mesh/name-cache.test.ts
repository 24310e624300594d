import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCluster, parseSni, splitHost } from './cluster.ts';
import { cachedByName } from './name-cache.ts';

const domains = fc.constantFrom('cluster.local', 'corp.internal');
const names = fc.oneof(
  fc.string(),
  fc
    .tuple(
      fc.constantFrom('outbound', 'inbound', 'inbound-vip', 'inbound-pod', 'outbound_.', 'x'),
      fc.constantFrom('|', '_.', '_'),
      fc.constantFrom('9080', '80', 'abc', ''),
      fc.constantFrom('|', '_.', '|v2|', '_.v1_.', '||'),
      fc.constantFrom('reviews.default.svc.cluster.local', 'a.b.svc.corp.internal', 'www.example.com', '10.1.0.9', ''),
      fc.constantFrom('', ';', ':9080'),
    )
    .map((parts) => parts.join('')),
);

describe('cachedByName', () => {
  it('answers as the reader does, for every name, in either cluster domain, asked in any order', () => {
    for (const read of [parseCluster, parseSni, splitHost]) {
      const cached = cachedByName(read, 8);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.option(names, { nil: undefined }), domains), { maxLength: 40 }), (asks) => {
          for (const [name, domain] of asks) expect(cached(name, domain)).toEqual(read(name as string, domain));
        }),
      );
    }
  });

  it('keeps at most `limit` names: past it, a name is read again', () => {
    const reads: string[] = [];
    const cached = cachedByName((name: string) => {
      reads.push(name);
      return { name };
    }, 3);
    for (const n of ['a', 'b', 'a', 'c', 'a']) cached(n, 'cluster.local');
    expect(reads).toEqual(['a', 'b', 'c']);
    cached('d', 'cluster.local'); // the fourth distinct name: the cache starts over
    cached('a', 'cluster.local');
    expect(reads).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  it('hands out one frozen object per name, so no line can change what the next one reads', () => {
    const cached = cachedByName(parseCluster);
    const first = cached('outbound|9080|v2|reviews.default.svc.cluster.local', 'cluster.local');
    expect(cached('outbound|9080|v2|reviews.default.svc.cluster.local', 'cluster.local')).toBe(first);
    expect(() => {
      (first as { service: string | null }).service = 'other';
    }).toThrow(TypeError);
    expect(first).toMatchObject({ service: 'reviews', namespace: 'default', subset: 'v2', port: 9080 });
  });
});
