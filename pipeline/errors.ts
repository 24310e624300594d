/**
 * Error kinds, classified by what the caller should do, not by where they came from:
 * - `permanent`: never retry. The payload goes to the dead-letter sink with the reason.
 * - `retryable`: back off and try again.
 * - `throttled`: retryable, and the other side said when (`retryAfterMs`).
 * Every error carries a stable `code`, so metrics, dead letters and HTTP answers can name it.
 */
export type ErrorKind = 'permanent' | 'retryable' | 'throttled';

/** Stable error codes with their message templates (`{name}` is filled from `params`). */
export const ERROR_CODES = {
  MESHLOG_CONFIG_INVALID: 'invalid configuration: {detail}',
  MESHLOG_PARSE_FAILED: 'line could not be parsed: {detail}',
  MESHLOG_DECODE_FAILED: 'payload could not be decoded: {detail}',
  MESHLOG_PAYLOAD_TOO_LARGE: 'payload exceeds {limit} bytes',
  MESHLOG_LINE_TOO_LONG: 'line exceeds {limit} bytes',
  MESHLOG_QUEUE_FULL: 'queue {queue} is full',
  MESHLOG_SHUTTING_DOWN: 'component {component} is shutting down',
  MESHLOG_EXPORT_FAILED: 'export to {target} failed: {detail}',
  MESHLOG_MAPPING_REJECTED: 'document rejected by {target}: {detail}',
  MESHLOG_UNSUPPORTED_MEDIA: 'unsupported content type {contentType}',
  MESHLOG_WRITE_FAILED: 'cannot write {path}: {detail}',
  MESHLOG_CLOCK_SKEW: 'event time {time} is {skewMs} ms from the wall clock (limit {limitMs} ms)',
  MESHLOG_BODY_MISSING: 'request has no body; send {expected}',
  MESHLOG_LIMIT_EXCEEDED: '{what} exceeds the limit of {limit}',
  MESHLOG_MEMORY_LIMIT: 'memory use {usedMiB} MiB is past the soft limit of {softMiB} MiB, retry later',
  MESHLOG_ACK_TIMEOUT: 'the pipeline did not settle the batch within {timeoutMs} ms, retry later',
  MESHLOG_IDLE_TIMEOUT: 'connection idle for {timeoutMs} ms',
  MESHLOG_UNAUTHORIZED: 'missing or wrong bearer token',
  MESHLOG_INTERNAL: 'internal error: {detail}',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export class PipelineError extends Error {
  readonly kind: ErrorKind;
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, code: ErrorCode, params: Record<string, string | number> = {}, retryAfterMs?: number) {
    super(formatMessage(code, params));
    this.name = 'PipelineError';
    this.kind = kind;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Fills a code's message template. */
export function formatMessage(code: ErrorCode, params: Record<string, string | number>): string {
  return ERROR_CODES[code].replace(/\{(\w+)\}/g, (_m, key: string) => String(params[key] ?? `{${key}}`));
}

export const permanent = (code: ErrorCode, params?: Record<string, string | number>) =>
  new PipelineError('permanent', code, params);
export const retryable = (code: ErrorCode, params?: Record<string, string | number>) =>
  new PipelineError('retryable', code, params);
export const throttled = (code: ErrorCode, retryAfterMs: number, params?: Record<string, string | number>) =>
  new PipelineError('throttled', code, params, retryAfterMs);

/** Anything that is not a PipelineError is treated as retryable: we cannot prove it is final. */
export function errorKind(err: unknown): ErrorKind {
  return err instanceof PipelineError ? err.kind : 'retryable';
}
