import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';

/** Traffic the browser tests feed meshlog, all in event time ending near `now`. */

/** cart, over 30 s: v1 at 1% errors and ~20 ms, v2 at 10% errors and ~40 ms: a canary that fails on both metrics. */
export function failingCanary(startMs: number): string[] {
  const base = { service: 'cart', namespace: 'shop', requests: 1500, startMs, spacingMs: 20 };
  return [
    ...trafficLines({ ...base, subset: 'v1', errorRate: 0.01, latencyMs: 20, seed: 1 }),
    ...trafficLines({ ...base, subset: 'v2', errorRate: 0.1, latencyMs: 40, seed: 2 }),
  ];
}

/**
 * payments, called from 10.0.0.7: 40 failures in 0.4 s open the breaker (Hystrix: 20 calls, 50%);
 * 6 s later, past the 5 s sleep window, a good call is the half-open trial and closes it.
 */
export function trippingBreaker(startMs: number): string[] {
  const edge = { service: 'payments', namespace: 'shop', subset: 'v1', route: '/charge', source: '10.0.0.7' };
  return [
    ...trafficLines({ ...edge, requests: 40, errorRate: 1, startMs, spacingMs: 10, seed: 10 }),
    ...trafficLines({ ...edge, requests: 40, errorRate: 0, startMs: startMs + 6000, spacingMs: 10, seed: 11 }),
  ];
}

/** `services × routesEach` routes (svc-N/rM, subset v1), two requests each. */
export function manyRoutes(startMs: number, services: number, routesEach: number): string[] {
  const out: string[] = [];
  for (let s = 0; s < services; s++)
    for (let r = 0; r < routesEach; r++)
      out.push(
        ...trafficLines({
          service: `svc-${s}`,
          namespace: 'load',
          subset: 'v1',
          route: `/r${r}`,
          requests: 2,
          errorRate: r % 10 === 0 ? 0.5 : 0,
          latencyMs: 5 + ((s * routesEach + r) % 200),
          startMs: startMs + r * 10,
          spacingMs: 1000,
          seed: 1000 + s * routesEach + r,
        }),
      );
  return out;
}
