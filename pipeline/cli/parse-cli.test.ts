import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trafficLines } from '../testing/mesh-traffic.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

describe('meshlog parse', () => {
  it('writes every record of a file read in many blocks, and names a bad line by its line number in the file', () => {
    // ~2 MB: the file is read in 64 KiB blocks, so line numbers have to carry across blocks.
    const lines = trafficLines({ service: 'cart', subset: 'v1', requests: 6000, startMs: Date.UTC(2024, 2, 1) });
    lines.splice(4321, 0, 'not a log line');
    const file = join(mkdtempSync(join(tmpdir(), 'meshlog-parse-')), 'access.log');
    writeFileSync(file, lines.join('\n') + '\n');

    const r = spawnSync(process.execPath, [BIN, 'parse', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    expect(r.status).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toHaveLength(6000);
    expect(out[0]['http.request.id']).toBe('cart-v1-1-0');
    expect(out[5999]['http.request.id']).toBe('cart-v1-1-5999');
    const rejected = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line?: number; raw?: string; summary?: unknown })
      .filter((e) => e.raw !== undefined);
    expect(rejected).toEqual([expect.objectContaining({ line: 4322, raw: 'not a log line' })]);
  });
});
