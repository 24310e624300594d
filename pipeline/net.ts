import { z } from 'zod';

/** Splits `host:port` (or `[v6]:port`); the error names the value, as config errors must. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(endpoint);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`endpoint must be host:port, got "${endpoint}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/**
 * A listener's `host:port`, checked when the config is loaded, so `validate-config` refuses what
 * `run` would: a missing port (`localhost`), a port past 65535, or one that is not a number.
 */
export function endpoint(defaultValue: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseEndpoint(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .default(defaultValue);
}
