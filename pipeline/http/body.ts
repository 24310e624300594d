import { gunzipSync, inflateSync, constants as zlib } from 'node:zlib';
import type { PipelineError } from '../errors.ts';
import { permanent } from '../errors.ts';

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
