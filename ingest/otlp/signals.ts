import type { ComponentContext } from '../../pipeline/component.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { decodeInPool } from '../../processors/parse/decode-in-pool.ts';
import type { ParseResult } from '../../processors/parse/task.ts';

/** What one OTLP export request came to: records for the pipeline, and what to tell the sender. */
export interface ExportOutcome {
  records: unknown[];
  rejected: number;
  errorMessage?: string;
  /** The whole request could not be decoded: 400 / INVALID_ARGUMENT. */
  invalid?: string;
}

/** One OTLP signal: its paths, its response message, and how its payload is decoded. */
export interface OtlpSignal {
  name: 'logs' | 'traces';
  httpPath: string;
  grpcPath: string;
  responseType: string;
  /** Field names of the partial-success message. */
  rejectedField: string;
  decode(ctx: ComponentContext, data: Uint8Array, json: boolean): Promise<ExportOutcome>;
}

/** Decodes in the worker pool with the signal's two encodings and takes its kind of record. */
function pooled(
  json: RawChunk['encoding'],
  proto: RawChunk['encoding'],
  pick: (r: ParseResult) => unknown[],
): OtlpSignal['decode'] {
  return async (ctx, data, isJson) => {
    const r = await decodeInPool(ctx, { encoding: isJson ? json : proto, data, receiver: ctx.name });
    if (r.undecodable) return { records: [], rejected: 0, invalid: r.undecodable };
    return { records: pick(r), rejected: r.rejections.length, errorMessage: r.rejections[0]?.reason };
  };
}

export const LOGS: OtlpSignal = {
  name: 'logs',
  httpPath: '/v1/logs',
  grpcPath: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  responseType: 'opentelemetry.proto.logs.v1.ExportLogsServiceResponse',
  rejectedField: 'rejectedLogRecords',
  decode: pooled('otlp-logs-json', 'otlp-logs-proto', (r) => r.records),
};

export const TRACES: OtlpSignal = {
  name: 'traces',
  httpPath: '/v1/traces',
  grpcPath: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  responseType: 'opentelemetry.proto.trace.v1.ExportTraceServiceResponse',
  rejectedField: 'rejectedSpans',
  decode: pooled('otlp-traces-json', 'otlp-traces-proto', (r) => r.spans ?? []),
};
