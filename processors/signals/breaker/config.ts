import { z } from 'zod';

/**
 * Breaker policy. `hystrix` (default) and `resilience4j` fill in their libraries' defaults; any
 * option given overrides them.
 */
export const breakerConfig = z.strictObject({
  policy: z.enum(['hystrix', 'resilience4j']).default('hystrix'),
  /** time: a rolling window of `windowMs` in `buckets`; count: the last `windowCalls` calls. */
  windowType: z.enum(['time', 'count']).optional(),
  windowMs: z.number().int().positive().optional(),
  buckets: z.number().int().positive().optional(),
  windowCalls: z.number().int().positive().optional(),
  /** Calls needed in the window before the breaker may open (Hystrix requestVolumeThreshold). */
  minimumCalls: z.number().int().positive().optional(),
  /** Percentage of failed calls (app or mesh errors) that opens the breaker. */
  failureRateThreshold: z.number().gt(0).max(100).optional(),
  /** Calls slower than this count as slow. */
  slowCallDurationMs: z.number().int().positive().optional(),
  /** Percentage of slow calls that opens the breaker (100 with no slow calls configured: off). */
  slowCallRateThreshold: z.number().gt(0).max(100).optional(),
  /** How long the breaker stays open before trial calls (Hystrix sleepWindowInMilliseconds). */
  sleepWindowMs: z.number().int().positive().optional(),
  /** Trial calls in half-open; all must be judged before it closes or reopens. */
  halfOpenCalls: z.number().int().positive().optional(),
  /** Transitions kept for the API. Default: 10000. */
  maxEvents: z.number().int().positive().default(10_000),
});

export type BreakerConfig = z.infer<typeof breakerConfig>;

export interface BreakerPolicy {
  name: 'hystrix' | 'resilience4j';
  windowType: 'time' | 'count';
  windowMs: number;
  buckets: number;
  windowCalls: number;
  minimumCalls: number;
  failureRateThreshold: number;
  slowCallDurationMs: number;
  slowCallRateThreshold: number;
  sleepWindowMs: number;
  halfOpenCalls: number;
}

/** Hystrix: 10 s in 10 buckets, 20 calls, 50%, 5 s sleep, one trial. */
export const HYSTRIX: BreakerPolicy = {
  name: 'hystrix',
  windowType: 'time',
  windowMs: 10_000,
  buckets: 10,
  windowCalls: 100,
  minimumCalls: 20,
  failureRateThreshold: 50,
  slowCallDurationMs: Infinity,
  slowCallRateThreshold: 100,
  sleepWindowMs: 5000,
  halfOpenCalls: 1,
};
/** resilience4j: the last 100 calls, 100 minimum, 50%, slow = 60 s at 100%, 60 s open, 10 trials. */
export const RESILIENCE4J: BreakerPolicy = {
  name: 'resilience4j',
  windowType: 'count',
  windowMs: 10_000,
  buckets: 10,
  windowCalls: 100,
  minimumCalls: 100,
  failureRateThreshold: 50,
  slowCallDurationMs: 60_000,
  slowCallRateThreshold: 100,
  sleepWindowMs: 60_000,
  halfOpenCalls: 10,
};

export function resolvePolicy(c: BreakerConfig): BreakerPolicy {
  const base = c.policy === 'hystrix' ? HYSTRIX : RESILIENCE4J;
  const pick = <K extends keyof BreakerPolicy>(k: K) =>
    ((c as Record<string, unknown>)[k] ?? base[k]) as BreakerPolicy[K];
  return {
    name: base.name,
    windowType: pick('windowType'),
    windowMs: pick('windowMs'),
    buckets: pick('buckets'),
    windowCalls: pick('windowCalls'),
    minimumCalls: pick('minimumCalls'),
    failureRateThreshold: pick('failureRateThreshold'),
    slowCallDurationMs: pick('slowCallDurationMs'),
    slowCallRateThreshold: pick('slowCallRateThreshold'),
    sleepWindowMs: pick('sleepWindowMs'),
    halfOpenCalls: pick('halfOpenCalls'),
  };
}
