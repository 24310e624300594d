import { z } from 'zod';

/** `file`: NDJSON files, the embedded default when no Elasticsearch or Jaeger is configured. */
export const fileConfig = z.strictObject({
  /** File to append to; its folder is created. Default: ./data/meshlog.ndjson. */
  path: z.string().min(1).default('./data/meshlog.ndjson'),
  /** Rotate when the file passes this size (the old one becomes `<path>.1`); 0 never rotates. Default: 256 MiB. */
  maxBytes: z
    .number()
    .int()
    .nonnegative()
    .default(256 * 1024 * 1024),
});

export type FileConfig = z.infer<typeof fileConfig>;
