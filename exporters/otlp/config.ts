import { z } from 'zod';

/** `otlp`: spans to an OTLP endpoint (Jaeger v2, an OpenTelemetry Collector), enriched by the join. */
export const otlpExporterConfig = z.strictObject({
  /** gRPC `host:port` or HTTP base URL (`http://host:4318`). Default: 127.0.0.1:4317 over gRPC. */
  endpoint: z.string().default('127.0.0.1:4317'),
  protocol: z.enum(['grpc', 'http']).default('grpc'),
  /** gzip request bodies. Default: true. */
  compression: z.boolean().default(true),
  /** Extra request headers (HTTP) or metadata (gRPC), e.g. an authorization token. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Per export request. Default: 10000. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Spans per export request. Default: 512. */
  maxSpansPerRequest: z.number().int().positive().default(512),
  /** Longest a span waits for its request to fill. Default: 200. */
  flushMs: z.number().int().positive().default(200),
  /** Spans waiting for the endpoint before `consume` blocks. Default: 20000. */
  maxQueuedSpans: z.number().int().positive().default(20_000),
  /** Export requests in flight. Default: 2. */
  concurrency: z.number().int().positive().default(2),
  retry: z
    .strictObject({
      /** First backoff. Default: 200. */
      initialMs: z.number().int().positive().default(200),
      /** Longest backoff. Default: 30000. */
      maxMs: z.number().int().positive().default(30_000),
      /** How long a span keeps being retried before it is dead-lettered. Default: 300000. */
      deadlineMs: z.number().int().positive().default(300_000),
    })
    .default({ initialMs: 200, maxMs: 30_000, deadlineMs: 300_000 }),
  /** Spans remembered as exported, so a re-emitted (late) RequestDoc does not send them twice. Default: 200000. */
  rememberSpans: z.number().int().positive().default(200_000),
});

export type OtlpExporterConfig = z.infer<typeof otlpExporterConfig>;
