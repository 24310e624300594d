import { gunzipSync, inflateSync, constants as zlib } from 'node:zlib';
import { PipelineError, permanent } from '../errors.ts';

/**
 * Undoes Content-Encoding with a hard cap on the *decompressed* size, which is what stops a gzip
 * bomb: zlib stops writing at `maxBytes` and throws, so memory never exceeds the cap.
 */
export function decodeBody(
  body: Uint8Array | undefined,
  contentEncoding: string | undefined,
  maxBytes: number,
  expected = 'a request body',
): Uint8Array {
  // Fastify leaves the body undefined when a request has neither a body nor a Content-Type.
  if (!body || body.byteLength === 0) throw permanent('MESHLOG_BODY_MISSING', { expected });
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') {
    if (body.byteLength > maxBytes) throw tooLarge(maxBytes);
    return body;
  }
  const opts = { maxOutputLength: maxBytes, finishFlush: zlib.Z_SYNC_FLUSH };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, opts);
    if (enc === 'deflate') return inflateSync(body, opts);
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(maxBytes);
    throw permanent('MESHLOG_DECODE_FAILED', { detail: `${enc} body is corrupt: ${(err as Error).message}` });
  }
  throw permanent('MESHLOG_DECODE_FAILED', { detail: `unsupported content-encoding "${enc}"` });
}

function tooLarge(maxBytes: number): PipelineError {
  return permanent('MESHLOG_PAYLOAD_TOO_LARGE', { limit: maxBytes });
}

/** HTTP status for a receiver error: 413 too large, 400 other permanent, 503 retryable, 429 throttled. */
export function httpStatusFor(err: unknown): number {
  if (!(err instanceof PipelineError)) return 500;
  if (err.code === 'MESHLOG_PAYLOAD_TOO_LARGE') return 413;
  if (err.code === 'MESHLOG_UNSUPPORTED_MEDIA') return 415;
  if (err.kind === 'permanent') return 400;
  return err.kind === 'throttled' ? 429 : 503;
}
