import { readFileSync } from 'node:fs';

/** Where test/services keeps its downloads and builds (same rule as test/services/lib.sh). */
export const CACHE =
  process.env.MESHLOG_CACHE ?? (process.getuid?.() === 0 ? '/var/cache/meshlog' : `${process.env.HOME}/.cache/meshlog`);

const versions = readFileSync(new URL('../services/versions.env', import.meta.url), 'utf8');
export function pinned(name: string): string {
  const m = new RegExp(`^${name}=(\\S+)`, 'm').exec(versions);
  if (!m) throw new Error(`${name} is not pinned in test/services/versions.env`);
  return m[1];
}

export const TELEMETRYGEN = `${CACHE}/bin/telemetrygen-${pinned('TELEMETRYGEN_VERSION')}`;
