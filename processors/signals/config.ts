import { z } from 'zod';
import { breakerConfig } from './breaker/config.ts';
import { canaryConfig } from './canary/config.ts';
import { recommendConfig } from './recommend/config.ts';
import { windowsConfig } from './windows/config.ts';

/** `processors.signals`: windows, the canary judge, breakers, recommendations, the Flagger gate, and what it emits. */
export const signalsConfig = z.strictObject({
  /** How often changed windows and new decisions are sent downstream. Default: 1000. */
  emitIntervalMs: z.number().int().positive().default(1000),
  emit: z
    .strictObject({
      /** Send window partials (`meshlog.window`) of what this process observed. Default: true. */
      windows: z.boolean().default(true),
      /** Send decisions (`meshlog.decision`): breaker transitions and canary verdicts. Default: true. */
      decisions: z.boolean().default(true),
      /**
       * Send every client-side call, compactly (`meshlog.calls`, about 23 bytes a call), so that the
       * breakers and the load tracker of `--mode signals` instances see the calls of every processor,
       * in event time. Turn it on in processor mode. Default: false.
       */
      calls: z.boolean().default(false),
    })
    .default({ windows: true, decisions: true, calls: false }),
  windows: windowsConfig.default(windowsConfig.parse({})),
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
