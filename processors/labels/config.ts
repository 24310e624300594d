import { z } from 'zod';

const header = z.strictObject({
  /** The request header, as logged (case does not matter). */
  header: z
    .string()
    .min(1)
    .transform((h) => h.toLowerCase()),
  /** The label it becomes: `labels.<name>`. Default: the header name. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
  /** Longer values are cut to this many characters before redaction. Default: 256. */
  maxLength: z.number().int().positive().default(256),
  /**
   * none: stored as is; drop: never stored; mask: stored as `********`; hmac: stored as a
   * keyed HMAC-SHA256 pseudonym (the same value always gives the same pseudonym). Default: none.
   */
  redact: z.enum(['none', 'drop', 'mask', 'hmac']).default('none'),
  /** Extra record fields that carry this header (e.g. a custom JSON format's key `tenant_id`). */
  fields: z.array(z.string()).default([]),
});

/** `labels`: business headers to labels, with renaming, a length cap and redaction. */
export const labelsConfig = z
  .strictObject({
    /** The allowlist: only these headers become labels. */
    headers: z.array(header).default([]),
    /** Also strip every header not on the list from the records (`envoy.extra.req.*`, `http.request.header.*`). Default: false. */
    dropUnlistedHeaders: z.boolean().default(false),
    /** Where the HMAC key comes from, for `redact: hmac`: an environment variable or a file. */
    hmacKey: z.union([z.strictObject({ env: z.string() }), z.strictObject({ file: z.string() })]).optional(),
  })
  .superRefine((c, ctx) => {
    c.headers.forEach((h, i) => {
      if (h.redact === 'hmac' && !c.hmacKey)
        ctx.addIssue({
          code: 'custom',
          path: ['headers', i, 'redact'],
          message: 'redact: hmac needs hmacKey (env or file)',
        });
    });
  });

export type LabelsConfig = z.infer<typeof labelsConfig>;
