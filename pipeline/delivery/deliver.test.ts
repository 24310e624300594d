import { describe, expect, it } from 'vitest';
import type { Intake } from '../component.ts';
import { retryable } from '../errors.ts';
import { MemoryLimiter } from '../memory/limiter.ts';
import { testContext } from '../testing/context.ts';
import { deliver } from './deliver.ts';

const roomy = new MemoryLimiter({ limitMiB: 100, read: () => 1 });
const opts = { offerTimeoutMs: 0, ackTimeoutMs: 50, memory: roomy };

describe('deliver', () => {
  it('returns the outcome the pipeline settled, and counts the records accepted', async () => {
    const ctx = testContext('r');
    const intake: Intake<number> = {
      consume: async () => {},
      offer: async (b) => (b.ack.settle({ status: 'rejected', reason: 'bad', code: 'MESHLOG_PARSE_FAILED' }), true),
    };
    expect(await deliver(ctx, intake, [1, 2], { ...opts, count: 7 })).toEqual({
      status: 'rejected',
      reason: 'bad',
      code: 'MESHLOG_PARSE_FAILED',
    });
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_accepted_total')).toContain('} 7');
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_PARSE_FAILED"} 7',
    );
  });

  it('turns a refusal to enqueue, or a thrown shutdown, into a retryable outcome', async () => {
    const full: Intake<number> = { consume: async () => {}, offer: async () => false };
    expect(await deliver(testContext('r'), full, [1], opts)).toMatchObject({
      status: 'retryable',
      code: 'MESHLOG_QUEUE_FULL',
      retryAfterMs: 1000,
    });
    const closing: Intake<number> = {
      consume: async () => {},
      offer: async () => {
        throw retryable('MESHLOG_SHUTTING_DOWN', { component: 'parse' });
      },
    };
    expect(await deliver(testContext('r'), closing, [1], opts)).toMatchObject({
      status: 'retryable',
      code: 'MESHLOG_SHUTTING_DOWN',
    });
  });

  it('answers retryable after ackTimeoutMs when nothing settles the batch', async () => {
    const stuck: Intake<number> = { consume: async () => {}, offer: async () => true };
    expect(await deliver(testContext('r'), stuck, [1], opts)).toMatchObject({
      status: 'retryable',
      code: 'MESHLOG_ACK_TIMEOUT',
      reason: 'the pipeline did not settle the batch within 50 ms, retry later',
    });
  });
});
