import { createBatch, outcomeOf, type Outcome } from '../batch.ts';
import type { ComponentContext, Intake } from '../component.ts';
import { PipelineError, type ErrorCode } from '../errors.ts';
import type { MemoryLimiter } from '../memory/limiter.ts';
import { processMemoryLimiter } from '../memory/process.ts';

export interface DeliverOptions {
  /** How long to wait for room in the pipeline before the sender is told to retry. */
  offerTimeoutMs: number;
  /** Upper bound on waiting for the batch to settle; past it the sender is told to retry. */
  ackTimeoutMs: number;
  /** Records the batch stands for (a raw chunk holds many lines); counted on refusal. Default: records.length. */
  count?: number;
  /** Default: the process's limiter. */
  memory?: MemoryLimiter;
}

/** How long a refused sender is asked to wait before it retries. */
export const RETRY_AFTER_MS = 1000;

/**
 * Hands records to the pipeline and waits until the batch settles, so that a receiver answers its
 * sender with what really happened to the data:
 * - past the memory soft limit, or with the pipeline full for `offerTimeoutMs`: retryable, and
 *   nothing entered the pipeline;
 * - otherwise the batch's own outcome, as the last component that took responsibility settled it;
 * - no outcome within `ackTimeoutMs`: retryable. The batch may still be delivered later, so a
 *   sender that retries can cause a duplicate (at-least-once); exporters write with stable ids.
 * Refusals are counted per record in `meshlog_rejected_total{reason}`; `accepted_total` counts
 * the records that entered the pipeline.
 */
export async function deliver<T>(
  ctx: ComponentContext,
  intake: Intake<T>,
  records: T[],
  opts: DeliverOptions,
): Promise<Outcome> {
  const count = opts.count ?? records.length;
  const memory = opts.memory ?? processMemoryLimiter();
  if (memory.pastSoftLimit()) {
    const params = { usedMiB: Math.round(memory.usedMiB), softMiB: Math.round(memory.softLimitMiB) };
    return refuse(ctx, count, 'MESHLOG_MEMORY_LIMIT', params);
  }
  const batch = createBatch(records);
  let taken: boolean;
  try {
    taken = await intake.offer(batch, opts.offerTimeoutMs);
  } catch (err) {
    // A closed channel (shutting down) refuses with a retryable error: the sender's answer too.
    const outcome = outcomeOf(err);
    ctx.metrics.reject(
      ctx.name,
      outcome.status === 'delivered' ? 'MESHLOG_INTERNAL' : (outcome.code ?? 'MESHLOG_INTERNAL'),
      count,
    );
    return outcome;
  }
  if (!taken) return refuse(ctx, count, 'MESHLOG_QUEUE_FULL', { queue: ctx.name });
  ctx.metrics.accepted.inc({ component: ctx.name }, count);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () => resolve(retry('MESHLOG_ACK_TIMEOUT', { timeoutMs: opts.ackTimeoutMs })),
      opts.ackTimeoutMs,
    );
  });
  const outcome = await Promise.race([batch.ack.settled, timedOut]);
  clearTimeout(timer);
  if (outcome.status !== 'delivered') ctx.metrics.reject(ctx.name, outcome.code ?? 'MESHLOG_EXPORT_FAILED', count);
  return outcome;
}

function refuse(ctx: ComponentContext, count: number, code: ErrorCode, params: Record<string, string | number>) {
  ctx.metrics.reject(ctx.name, code, count);
  return retry(code, params);
}

function retry(code: ErrorCode, params: Record<string, string | number>): Outcome {
  return outcomeOf(new PipelineError('throttled', code, params, RETRY_AFTER_MS));
}
