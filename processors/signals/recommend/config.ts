import { z } from 'zod';

/** How recommendations are sized. */
export const recommendConfig = z.strictObject({
  /** Multiplier on the observed peak concurrency for connection-pool limits. Default: 2. */
  headroom: z.number().gte(1).default(2),
  /** An edge "came close" when its peak failure rate reached this share of the breaker threshold. Default: 0.8. */
  closeToTrip: z.number().gt(0).lte(1).default(0.8),
  /** Known concurrency limits per service (`namespace/service`: in-flight requests it can serve). */
  concurrencyLimits: z.record(z.string(), z.number().int().positive()).default({}),
  /** The limit assumed for services not listed. Default: 100. */
  defaultConcurrencyLimit: z.number().int().positive().default(100),
  /** Advise a rate limit when concurrency reaches this share of the limit. Default: 0.8. */
  nearLimit: z.number().gt(0).lte(1).default(0.8),
});

export type RecommendConfig = z.infer<typeof recommendConfig>;
