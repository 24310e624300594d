import { endpoint } from '../../pipeline/net.ts';
import { z } from 'zod';
import { checkListener, listenerOptions } from '../../pipeline/listener.ts';

/** `zipkin`: Zipkin v2 `POST /api/v2/spans`, Istio's default tracing provider. */
export const zipkinConfig = z
  .strictObject({
    /** host:port to listen on. Default: 127.0.0.1:9411. */
    endpoint: endpoint('127.0.0.1:9411'),
    /** Largest body after decompression; larger ones get 413. Default: 8 MiB. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** How long a request may wait for room before it gets 429. Default: 1000. */
    offerTimeoutMs: z.number().int().nonnegative().default(1000),
    ...listenerOptions,
  })
  .superRefine((c, ctx) => checkListener(c, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type ZipkinConfig = z.infer<typeof zipkinConfig>;
