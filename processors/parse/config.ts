import { z } from 'zod';

/** `parse`: decodes raw chunks into AccessRecords in the worker pool. */
export const parseConfig = z.strictObject({
  /**
   * Default format for lines whose receiver gave no hint: auto (detect per line), istio-text,
   * istio-json, or `envoy:<format string>`. Default: auto.
   */
  format: z.string().default('auto'),
  /** Lines longer than this are rejected to the dead-letter sink. Default: 65536. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** Distinct route keys kept per destination service; the rest become `__other__`. Default: 200. */
  maxRoutesPerService: z.number().int().positive().default(200),
  /** Most chunks sent to a worker in one task. Default: 64. */
  chunksPerTask: z.number().int().positive().default(64),
});

export type ParseConfig = z.infer<typeof parseConfig>;
