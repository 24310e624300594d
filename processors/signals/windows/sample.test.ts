import { describe, expect, it } from 'vitest';
import { hash32, hash32Joined } from './sample.ts';

describe('sample hashes', () => {
  it('hash32Joined(a, b, c) is hash32 of "a|b|c", so samples keep the records they kept before', () => {
    const cases: Array<[string, string, string]> = [
      ['84961386-6d84-929d-98bd-000000000000', '2026-12-01T02:59:53.560Z', '5555'],
      ['', '2024-03-01T10:00:00.000Z', ''],
      ['id|with|bars', 'é→ü', '0'],
    ];
    for (const [a, b, c] of cases) expect(hash32Joined(a, b, c)).toBe(hash32(`${a}|${b}|${c}`));
    expect(hash32Joined('a', 'b', 'c')).not.toBe(hash32Joined('a', 'b', 'd'));
  });
});
