import type { SpanRecord } from '../../../pipeline/records.ts';

/** OTLP span kinds as numbers (protobuf) or enum names (OTLP JSON from some senders). */
export const OTLP_SPAN_KINDS: Record<string, SpanRecord['span.kind']> = {
  '0': 'unspecified',
  '1': 'internal',
  '2': 'server',
  '3': 'client',
  '4': 'producer',
  '5': 'consumer',
  SPAN_KIND_UNSPECIFIED: 'unspecified',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};

/** OTLP status codes, the same two ways. */
export const OTLP_SPAN_STATUSES: Record<string, SpanRecord['span.status']> = {
  '0': 'unset',
  '1': 'ok',
  '2': 'error',
  STATUS_CODE_UNSET: 'unset',
  STATUS_CODE_OK: 'ok',
  STATUS_CODE_ERROR: 'error',
};
