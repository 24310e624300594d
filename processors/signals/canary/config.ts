import { z } from 'zod';

/** The canary judge's thresholds (DESIGN §5). */
export const canaryConfig = z.strictObject({
  /** Significance level for both tests. Default: 0.05. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /** Fewer requests than this on either side gives `nodata` (and never a pass). Default: 50. */
  minRequests: z.number().int().positive().default(50),
  /** Error rate fails only if the canary's is at least this much higher (absolute). Default: 0.01. */
  minErrorRateIncrease: z.number().nonnegative().default(0.01),
  /** Latency fails only if the canary's median is at least this many times the baseline's. Default: 1.1. */
  minLatencyRatio: z.number().gte(1).default(1.1),
  /** Score at or above which the verdict is pass. Default: 75. */
  passScore: z.number().min(0).max(100).default(75),
  /** Which metrics fail the verdict on their own. Default: both. */
  critical: z.array(z.enum(['error_rate', 'latency'])).default(['error_rate', 'latency']),
});

export type CanaryConfig = z.infer<typeof canaryConfig>;
