import { permanent, type PipelineError } from '../../pipeline/errors.ts';

/**
 * Wraps a socket so that no more than `maxBytes` are read towards one msgpack message: the
 * decoder holds everything of a message it has not finished, so a sender that never completes
 * one would otherwise grow it without bound. `messageDone()` restarts the count; the bytes of the
 * next message already read in the same chunk are forgiven (at most one socket read, 64 KiB).
 */
export function capBytesPerMessage(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
): { stream: AsyncIterable<Uint8Array>; messageDone: () => void } {
  let pending = 0;
  async function* stream() {
    for await (const chunk of source) {
      pending += chunk.byteLength;
      if (pending > maxBytes)
        throw permanent('MESHLOG_LIMIT_EXCEEDED', {
          what: 'bytes read without a complete forward message',
          limit: maxBytes,
        });
      yield chunk;
    }
  }
  return { stream: stream(), messageDone: () => void (pending = 0) };
}

/** @msgpack/msgpack refuses a header over its max*Length options with this message; it is a limit, not bad msgpack. */
export function asLimitError(err: Error): Error | PipelineError {
  if (!err.message.startsWith('Max length exceeded')) return err;
  return permanent('MESHLOG_LIMIT_EXCEEDED', {
    what: 'a msgpack header',
    limit: err.message.replace(/^Max length exceeded: /, ''),
  });
}
