import { z } from 'zod';

/** Route windows: what the canary judge and the metrics read. */
export const windowsConfig = z.strictObject({
  /** Bucket width. Default: 10000 (10 s). */
  bucketMs: z.number().int().positive().default(10_000),
  /** Windows the API offers, e.g. ["1m", "5m"]; the longest sets how much history is kept. Default: 1m and 5m. */
  windows: z
    .array(z.string().regex(/^\d+(ms|s|m|h)$/))
    .min(1)
    .default(['1m', '5m']),
  /** Which side of an edge reports: client (outbound and gateway hops: sees mesh failures that never reach the server), server (inbound), or both. Default: client. */
  reporter: z.enum(['client', 'server', 'both']).default('client'),
  /** Latencies kept per bucket for the rank test (bottom-k sample). Default: 512. */
  sampleSize: z.number().int().positive().default(512),
  /** Route windows kept at most (one per service, namespace, route, subset). Default: 5000. */
  maxRoutes: z.number().int().positive().default(5000),
});

export type WindowsConfig = z.infer<typeof windowsConfig>;
