import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CACHE, TELEMETRYGEN } from '../support/cache.ts';

const run = promisify(execFile);

function spansLogged(): number {
  const log = readFileSync(`${CACHE}/run/otelcol.log`, 'utf8');
  return [...log.matchAll(/"spans": (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('OpenTelemetry Collector smoke', () => {
  it('receives telemetrygen spans and hands them to its debug exporter', async () => {
    const before = spansLogged();
    await run(TELEMETRYGEN, [
      'traces',
      '--otlp-endpoint',
      '127.0.0.1:24317',
      '--otlp-insecure',
      '--traces',
      '10',
      '--rate',
      '0',
      '--service',
      'meshlog-smoke',
    ]);
    let after = before;
    for (let i = 0; i < 40 && after - before < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      after = spansLogged();
    }
    // telemetrygen sends a parent and a child span per trace.
    expect(after - before).toBe(20);
  });
});
