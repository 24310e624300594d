import { endpoint } from '../../pipeline/net.ts';
import { z } from 'zod';
import { checkListener, listenerOptions } from '../../pipeline/listener.ts';

/** `fluent_forward`: Fluent Bit / Fluentd `forward` protocol (msgpack over TCP, optionally TLS). */
export const fluentForwardConfig = z
  .strictObject({
    /** host:port to listen on. Default: 127.0.0.1:24224. */
    endpoint: endpoint('127.0.0.1:24224'),
    /**
     * Largest size of one forward message, as read from the socket and after decompression; a
     * connection that has buffered more without completing a message is closed. Default: 8 MiB.
     */
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    /**
     * Most array items and map keys + values one forward message may claim, summed over all its
     * headers (a Fluent Bit entry with Kubernetes metadata takes about 50). Checked before
     * decoding, so it bounds what one message can make the decoder allocate (tens of bytes per
     * element). Default: 1000000.
     */
    maxElements: z.number().int().positive().default(1_000_000),
    /** How long a message may wait for room in the pipeline before the connection is closed unacknowledged. Default: 5000. */
    offerTimeoutMs: z.number().int().nonnegative().default(5000),
    /** Format hint for the log lines inside the records. Default: auto. */
    format: z.string().default('auto'),
    ...listenerOptions,
  })
  .superRefine((c, ctx) => checkListener(c, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type FluentForwardConfig = z.infer<typeof fluentForwardConfig>;
