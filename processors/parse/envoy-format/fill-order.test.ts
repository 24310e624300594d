import { describe, expect, it } from 'vitest';
import { compileText } from './compile.ts';

/**
 * Two operators may fill one field (a format that logs both the short and the long flags, or the
 * original path and the path). The first with a value wins, whichever of them the compiler lets
 * store without looking.
 */
describe('a field filled by two operators', () => {
  const parser = compileText('%RESPONSE_FLAGS% %RESPONSE_FLAGS_LONG% %REQ(X-ENVOY-ORIGINAL-PATH)% %REQ(:PATH)% end');

  it.each([
    ['UF UpstreamOverflow /orig /rewritten end', 'UF', '/orig'],
    ['- UpstreamOverflow - /rewritten end', 'UO', '/rewritten'],
    ['UH - /orig - end', 'UH', '/orig'],
    ['- - - - end', null, null],
  ])('%s keeps flags %s and path %s', (line, flags, path) => {
    const fields = parser.parse(line);
    expect(fields?.response_flags).toBe(flags);
    expect(fields?.path).toBe(path);
  });

  it('leaves every other canonical field unset', () => {
    const fields = parser.parse('UF - /a - end');
    expect(Object.entries(fields ?? {}).filter(([, v]) => v !== undefined)).toEqual([
      ['path', '/a'],
      ['response_flags', 'UF'],
    ]);
  });
});
