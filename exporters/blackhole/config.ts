import { z } from 'zod';

/** `blackhole`: accepts and discards everything (benchmarks, dry runs). No options. */
export const blackholeConfig = z.strictObject({});
export type BlackholeConfig = z.infer<typeof blackholeConfig>;
