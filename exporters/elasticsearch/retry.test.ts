import { describe, expect, it } from 'vitest';
import { backoffMs, classifyBulk, itemFate } from './retry.ts';

describe('bulk item outcomes', () => {
  it.each([
    [{ status: 201 }, 'index', 'done'],
    [{ status: 200 }, 'create', 'done'],
    [{ status: 409, error: { type: 'version_conflict_engine_exception' } }, 'create', 'done'],
    // A RequestDoc with fewer parts than the stored one (its external version is lower): the stored one stays.
    [{ status: 409, error: { type: 'version_conflict_engine_exception' } }, 'index', 'done'],
    [{ status: 409, error: { type: 'resource_already_exists_exception' } }, 'index', 'dead'],
    [
      { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } },
      'index',
      'retry',
    ],
    [{ status: 503, error: { type: 'unavailable_shards_exception' } }, 'index', 'retry'],
    [
      {
        status: 400,
        error: {
          type: 'document_parsing_exception',
          reason: 'failed to parse field [x]',
          caused_by: { reason: 'For input string' },
        },
      },
      'index',
      'dead',
    ],
    [{ status: 404, error: { type: 'index_not_found_exception' } }, 'index', 'dead'],
  ] as const)('%j on %s → %s', (item, op, fate) => {
    expect(itemFate(item, op).fate).toBe(fate);
  });

  it('keeps the reason Elasticsearch gave', () => {
    expect(
      itemFate(
        {
          status: 400,
          error: {
            type: 'document_parsing_exception',
            reason: 'failed to parse field [x]',
            caused_by: { reason: 'For input string' },
          },
        },
        'index',
      ),
    ).toEqual({
      fate: 'dead',
      status: 400,
      reason: '400 document_parsing_exception: failed to parse field [x] (For input string)',
    });
  });

  it('backs off exponentially with jitter, within the cap', () => {
    expect(backoffMs(0, 100, 10_000, () => 0)).toBe(50);
    expect(backoffMs(0, 100, 10_000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 10_000, () => 1)).toBe(800);
    expect(backoffMs(30, 100, 10_000, () => 1)).toBe(10_000);
  });
});

describe('bulk request classification', () => {
  it('reads a 200 answer item by item, keeping the status of items to retry', () => {
    expect(
      classifyBulk({
        items: [{ status: 201 }, { status: 429, error: { type: 'es_rejected_execution_exception' } }, { status: 400 }],
        ops: ['index', 'index', 'index'],
      }),
    ).toMatchObject({
      kind: 'partial',
      items: [{ kind: 'done' }, { kind: 'retry', status: 429 }, { kind: 'permanent' }],
    });
  });

  it.each([
    [413, 'split'],
    [429, 'retry'],
    [503, 'retry'],
    [undefined, 'retry'],
    [400, 'permanent'],
    [401, 'permanent'],
  ] as const)('a whole request answered %s is %s', (statusCode, kind) => {
    expect(classifyBulk({ error: Object.assign(new Error('x'), { statusCode }) }).kind).toBe(kind);
  });
});
