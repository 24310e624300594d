import { endpoint } from '../../pipeline/net.ts';
import { z } from 'zod';
import { checkListener, listenerOptions } from '../../pipeline/listener.ts';

/** `http_lines`: raw access-log lines over HTTP, one per line (text or JSON), for scripts and sidecar shippers. */
export const httpLinesConfig = z
  .strictObject({
    /** host:port to listen on. Default: 127.0.0.1:8088. */
    endpoint: endpoint('127.0.0.1:8088'),
    /** Largest body accepted, after decompression. Default: 8 MiB. */
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /** How long a request may wait for room in the pipeline before it gets 429. Default: 1000. */
    offerTimeoutMs: z.number().int().nonnegative().default(1000),
    /** Format hint passed to the parser: auto, istio-text, istio-json or envoy:<format string>. Default: auto. */
    format: z.string().default('auto'),
    /**
     * Most msgpack elements (array items, map keys + values, entries) in one `application/msgpack`
     * body to /v1/fluentbit, checked before decoding. Default: 1000000.
     */
    maxMsgpackElements: z.number().int().positive().default(1_000_000),
    ...listenerOptions,
  })
  .superRefine((c, ctx) => checkListener(c, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type HttpLinesConfig = z.infer<typeof httpLinesConfig>;
