import { endpoint } from '../../pipeline/net.ts';
import { z } from 'zod';
import { checkListener, listenerOptions } from '../../pipeline/listener.ts';

/** `otlp`: OTLP logs (Istio's envoyOtelAls) and traces over gRPC and HTTP (protobuf or JSON, gzip). */
export const otlpConfig = z
  .strictObject({
    grpc: z
      .strictObject({
        /** host:port for gRPC; `null` turns it off. Default: 127.0.0.1:4317. */
        endpoint: endpoint('127.0.0.1:4317').nullable(),
      })
      .default({ endpoint: '127.0.0.1:4317' }),
    http: z
      .strictObject({
        /** host:port for `POST /v1/logs` and `POST /v1/traces`; `null` turns it off. Default: 127.0.0.1:4318. */
        endpoint: endpoint('127.0.0.1:4318').nullable(),
      })
      .default({ endpoint: '127.0.0.1:4318' }),
    /** Largest request after decompression; larger ones get 413 / RESOURCE_EXHAUSTED. Default: 8 MiB. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** How long a request may wait for room before it gets 429 / RESOURCE_EXHAUSTED. Default: 1000. */
    offerTimeoutMs: z.number().int().nonnegative().default(1000),
    /** TLS and timeouts apply to both the gRPC and the HTTP listener. */
    ...listenerOptions,
  })
  .superRefine((c, ctx) => checkListener(c, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type OtlpConfig = z.infer<typeof otlpConfig>;
