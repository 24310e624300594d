/** Splits `host:port` (or `[v6]:port`); the error names the value, as config errors must. */
export function parseEndpoint(endpoint: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(endpoint);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`endpoint must be host:port, got "${endpoint}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
