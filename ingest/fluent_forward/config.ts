import { z } from 'zod';

/** `fluent_forward`: Fluent Bit / Fluentd `forward` protocol (msgpack over TCP). */
export const fluentForwardConfig = z.strictObject({
  /** host:port to listen on. Default: 127.0.0.1:24224. */
  endpoint: z.string().default('127.0.0.1:24224'),
  /** Largest decompressed size of one forward message; larger closes the connection. Default: 8 MiB. */
  maxMessageBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** Format hint for the log lines inside the records. Default: auto. */
  format: z.string().default('auto'),
});

export type FluentForwardConfig = z.infer<typeof fluentForwardConfig>;
