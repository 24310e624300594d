import { z } from 'zod';

/** `join`: hops and spans to one RequestDoc per x-request-id. */
export const joinConfig = z.strictObject({
  /** Emit a request once it has been quiet this long (event time). Default: 5000. */
  idleMs: z.number().int().positive().default(5000),
  /** Emit a request at the latest this long after its first start (event time). Default: 60000. */
  maxAgeMs: z.number().int().positive().default(60_000),
  /** Most requests held; past it the oldest go out early as `partial`. Default: 200000. */
  maxPending: z.number().int().positive().default(200_000),
  /** How far node clocks may disagree. Default: 2000. */
  allowedSkewMs: z.number().int().nonnegative().default(2000),
  /** How long an emitted request is kept so a late part re-emits it whole. Default: 60000. */
  lateRetentionMs: z.number().int().positive().default(60_000),
  /** Most emitted requests kept for late parts. Default: 100000. */
  maxRetained: z.number().int().positive().default(100_000),
  /** Synthesise spans for failed requests without any, so Jaeger shows every failure. Default: true. */
  synthesize: z.boolean().default(true),
  /** Also pass the hops and spans themselves on (for a hops index or a trace exporter). Default: false. */
  emitParts: z.boolean().default(false),
  /**
   * When an input batch is acknowledged: `buffered` (once the join holds its parts; mode all) or
   * `delivered` (once every RequestDoc containing its records is delivered; use it behind the Kafka
   * source, so a crash loses nothing). Default: buffered.
   */
  ackOn: z.enum(['buffered', 'delivered']).default('buffered'),
  /** How often the wall clock moves the watermark when no events arrive. Default: 500. */
  tickMs: z.number().int().positive().default(500),
});

export type JoinConfig = z.infer<typeof joinConfig>;
