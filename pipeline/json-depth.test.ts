import { describe, expect, it } from 'vitest';
import { PipelineError } from './errors.ts';
import { checkJsonDepth } from './json-depth.ts';

describe('JSON depth guard', () => {
  it('lets ordinary JSON through, brackets in strings included', () => {
    expect(() => checkJsonDepth('{"a":[{"b":"[[[[[[\\"]]]"}]}', 3)).not.toThrow();
  });
  it('refuses nesting past the limit before anything is parsed', () => {
    expect(() => checkJsonDepth('['.repeat(65) + ']'.repeat(65))).toThrow(
      /JSON nesting exceeds the limit of 64 levels/,
    );
    expect(() => checkJsonDepth('{"a":'.repeat(10) + '1' + '}'.repeat(10), 9)).toThrow(PipelineError);
  });
});
