import type { Classified } from '../../pipeline/exporter/classified.ts';
import * as grpc from '@grpc/grpc-js';
import { gzipSync } from 'node:zlib';
import { protoType } from '../../pipeline/proto/load.ts';
import type { OtlpExporterConfig } from './config.ts';

/** The outcome of one export request, classified as the OTLP spec says. */
export type SendOutcome =
  | { ok: true; rejected: number }
  | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number; status?: number };

export interface Transport {
  send(body: Uint8Array): Promise<SendOutcome>;
  close(): void;
}

/** HTTP statuses the OTLP spec calls retryable; everything else 4xx/5xx is permanent. */
const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);
/** gRPC codes the OTLP spec calls retryable (RESOURCE_EXHAUSTED: only with RetryInfo; we retry it with backoff). */
const RETRYABLE_GRPC = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
  grpc.status.RESOURCE_EXHAUSTED,
]);

/** Retry-After as seconds or an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

export function httpTransport(cfg: OtlpExporterConfig): Transport {
  const url = `${cfg.endpoint.replace(/\/$/, '')}/v1/traces`;
  return {
    async send(body) {
      const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', ...cfg.headers };
      let payload: Uint8Array = body;
      if (cfg.compression) {
        payload = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(cfg.timeoutMs) });
      } catch (err) {
        return { ok: false, retryable: true, reason: `cannot reach ${url}: ${(err as Error).message}` };
      }
      const text = Buffer.from(await res.arrayBuffer());
      if (res.ok) return { ok: true, rejected: rejectedSpans(text) };
      return {
        ok: false,
        retryable: RETRYABLE_HTTP.has(res.status),
        reason: `HTTP ${res.status} from ${url}`,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
        status: res.status,
      };
    },
    close() {},
  };
}

function rejectedSpans(body: Uint8Array): number {
  if (body.length === 0) return 0;
  try {
    const t = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceResponse');
    const r = t.toObject(t.decode(body), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number } };
    return r.partialSuccess?.rejectedSpans ?? 0;
  } catch {
    return 0;
  }
}

export function grpcTransport(cfg: OtlpExporterConfig): Transport {
  const identity = (b: Buffer) => b;
  const Client = grpc.makeGenericClientConstructor(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    'TraceService',
  );
  const client = new Client(
    cfg.endpoint.replace(/^[a-z]+:\/\//, ''),
    grpc.credentials.createInsecure(),
    cfg.compression ? { 'grpc.default_compression_algorithm': 2, 'grpc.default_compression_level': 2 } : {},
  ) as unknown as {
    Export(
      req: Buffer,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Buffer) => void,
    ): void;
    close(): void;
  };
  return {
    send(body) {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(cfg.headers)) md.set(k, v);
      return new Promise((resolve) =>
        client.Export(Buffer.from(body), md, { deadline: Date.now() + cfg.timeoutMs }, (err, res) => {
          if (!err) return resolve({ ok: true, rejected: rejectedSpans(res ?? Buffer.alloc(0)) });
          resolve({
            ok: false,
            retryable: RETRYABLE_GRPC.has(err.code),
            reason: `gRPC ${grpc.status[err.code]}: ${err.details}`,
          });
        }),
      );
    },
    close: () => client.close(),
  };
}

/** The OTLP spec's rules as a pure classifier: retryable answers retry (after Retry-After), 413 splits, the rest is permanent. */
export function classifyExport(out: SendOutcome): Classified {
  if (out.ok) return { kind: 'done' };
  if (out.status === 413) return { kind: 'split', reason: out.reason };
  if (out.retryable) return { kind: 'retry', reason: out.reason, afterMs: out.retryAfterMs };
  return { kind: 'permanent', reason: out.reason };
}
