import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Polls a meshlog admin endpoint's /readyz until it answers 200; false after `tries` tries 100 ms apart. */
export async function untilReady(admin: string, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    const ready = await fetch(`${admin}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * The config file of the smallest `meshlog run` (HTTP lines → parse → file), written into `dir`:
 * records go to `dir/out.ndjson`, dead letters to `dir/dead.ndjson`. Returns its path.
 */
export function writeLinesToFileConfig(dir: string, ports: { lines: number; admin: number }): string {
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `
receivers:
  http_lines: { endpoint: 127.0.0.1:${ports.lines} }
processors:
  parse: { maxClockSkewMs: 0 } # test lines may be from any year
exporters:
  file: { path: ${dir}/out.ndjson }
service:
  admin: { endpoint: 127.0.0.1:${ports.admin} }
  deadLetter: { path: ${dir}/dead.ndjson }
  logLevel: warn
  pipelines:
    logs: { receivers: [http_lines], processors: [parse], exporters: [file] }
`,
  );
  return config;
}
