import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Outcome } from '../batch.ts';
import type { ErrorCode } from '../errors.ts';
import { RETRY_AFTER_MS } from './deliver.ts';

/**
 * The one mapping from a batch's outcome to what each transport tells its sender. Receivers
 * call these and nothing else, so every sender of the same outcome gets the same answer.
 */

/** Codes that mean "slow down" (the sender should back off), as opposed to "try again". */
const THROTTLING = new Set<ErrorCode>(['MESHLOG_MEMORY_LIMIT', 'MESHLOG_QUEUE_FULL']);

/** Permanent codes that have their own HTTP status; any other permanent one is a 400. */
const HTTP_REJECT_STATUS: Partial<Record<ErrorCode, number>> = {
  MESHLOG_PAYLOAD_TOO_LARGE: 413,
  MESHLOG_UNSUPPORTED_MEDIA: 415,
  MESHLOG_UNAUTHORIZED: 401,
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: string; message: string };
}

/**
 * HTTP: `undefined` for delivered (the route answers 2xx with its own body); retryable is 429 when
 * meshlog is shedding load (memory, full queue) and 503 otherwise, both with Retry-After in
 * seconds; rejected is 400 (413, 415, 401 for their codes) with the reason.
 */
export function httpAnswer(outcome: Outcome): HttpAnswer | undefined {
  if (outcome.status === 'delivered') return undefined;
  const error = outcome.code ?? 'MESHLOG_EXPORT_FAILED';
  const body = { error, message: outcome.reason };
  if (outcome.status === 'rejected') return { status: HTTP_REJECT_STATUS[outcome.code] ?? 400, headers: {}, body };
  const seconds = Math.max(1, Math.ceil((outcome.retryAfterMs ?? RETRY_AFTER_MS) / 1000));
  const status = outcome.code && THROTTLING.has(outcome.code) ? 429 : 503;
  return { status, headers: { 'retry-after': String(seconds) }, body };
}

/**
 * gRPC: OK for delivered; RESOURCE_EXHAUSTED with a RetryInfo detail when shedding load (the
 * OTLP spec makes RESOURCE_EXHAUSTED retryable only with RetryInfo); UNAVAILABLE for any other
 * retryable outcome; INVALID_ARGUMENT for rejected.
 */
export function grpcAnswer(outcome: Outcome): Partial<grpc.StatusObject> | undefined {
  if (outcome.status === 'delivered') return undefined;
  if (outcome.status === 'rejected') return { code: grpc.status.INVALID_ARGUMENT, details: outcome.reason };
  if (!(outcome.code && THROTTLING.has(outcome.code)))
    return { code: grpc.status.UNAVAILABLE, details: outcome.reason };
  const metadata = new grpc.Metadata();
  const retryAfterMs = outcome.retryAfterMs ?? RETRY_AFTER_MS;
  metadata.set(
    'grpc-status-details-bin',
    statusWithRetryInfo(grpc.status.RESOURCE_EXHAUSTED, outcome.reason, retryAfterMs),
  );
  return { code: grpc.status.RESOURCE_EXHAUSTED, details: outcome.reason, metadata };
}

/** Fluent forward: the chunk is acknowledged only once delivered; otherwise no ack, and Fluent Bit resends it. */
export function forwardAcks(outcome: Outcome): boolean {
  return outcome.status === 'delivered';
}

/** google.rpc.Status { code, message, details: [Any(google.rpc.RetryInfo { retry_delay })] }, encoded by field number. */
function statusWithRetryInfo(code: number, message: string, retryAfterMs: number): Buffer {
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1e6;
  const duration = protobuf.Writer.create().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  const any = protobuf.Writer.create()
    .uint32(10)
    .string('type.googleapis.com/google.rpc.RetryInfo')
    .uint32(18)
    .bytes(retryInfo)
    .finish();
  const status = protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any);
  return Buffer.from(status.finish());
}
