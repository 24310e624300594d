import { z } from 'zod';
import { breakerConfig } from '../../processors/breaker/config.ts';
import { canaryConfig } from '../../processors/canary/config.ts';
import { recommendConfig } from '../../processors/recommend/config.ts';
import { routeStatsConfig } from '../../processors/route_stats/config.ts';

/** The top-level `signals` section: windows, the canary judge, breakers, recommendations, the Flagger gate. */
export const signalsConfig = z.strictObject({
  windows: routeStatsConfig.default(routeStatsConfig.parse({})),
  canary: canaryConfig.default(canaryConfig.parse({})),
  breaker: breakerConfig.default(breakerConfig.parse({})),
  recommend: recommendConfig.default(recommendConfig.parse({})),
  flagger: z
    .strictObject({
      /** Status for a failed verdict. Default: 412. */
      failStatus: z.number().int().min(400).max(599).default(412),
      /** Status for an inconclusive verdict; 200 lets the canary proceed. Default: 412. */
      inconclusiveStatus: z.number().int().min(200).max(599).default(412),
    })
    .default({ failStatus: 412, inconclusiveStatus: 412 }),
});

export type SignalsConfig = z.infer<typeof signalsConfig>;
