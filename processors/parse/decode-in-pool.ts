import { fileURLToPath } from 'node:url';
import type { ComponentContext } from '../../pipeline/component.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { unpackResult, type ParseResult, type ParseTask } from './task.ts';

export const PARSE_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * Bytes outside the chunk's view that may still go with its buffer when it is moved to the worker:
 * the 5-byte frame header in front of a gRPC message. Never Node's shared 8 KiB Buffer pool,
 * whose slices are at most 4 KiB.
 */
const MOVABLE_SLACK_BYTES = 16;

/**
 * For request/response receivers (ALS, OTLP) that must know the outcome before they answer:
 * decodes one chunk in the worker pool, sends its rejections to the dead-letter sink (counted by
 * code), and returns the records plus what the sender should be told. The caller gives up
 * `chunk.data`: when the bytes fill their buffer (a request body of its own, a gRPC message behind
 * its frame header) the buffer is moved to the worker, not copied.
 */
export async function decodeInPool(
  ctx: ComponentContext,
  chunk: RawChunk,
  format = 'auto',
  maxLineBytes = 64 * 1024,
): Promise<ParseResult> {
  const task: ParseTask = { chunks: [chunk], format, maxLineBytes };
  const owned = chunk.data.buffer.byteLength - chunk.data.byteLength <= MOVABLE_SLACK_BYTES;
  const result = unpackResult(
    await ctx.pool.run<ParseResult>(PARSE_WORKER, task, owned ? [chunk.data.buffer as ArrayBuffer] : []),
  );
  for (const rej of result.rejections) {
    ctx.metrics.reject(ctx.name, rej.code);
    ctx.deadLetters.write({
      component: ctx.name,
      code: rej.code,
      reason: rej.reason,
      payload: rej.payload,
      line: rej.line,
    });
  }
  return result;
}
