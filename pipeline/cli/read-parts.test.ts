import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogFiles } from './read-parts.ts';

describe('readLogFiles', () => {
  it('reads a file of 300,000 access lines whole (meshlog join and signals read such files)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshlog-read-parts-')), 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++)
      lines.push(
        `{"start_time":"2024-01-01T00:00:00.000Z","method":"GET","path":"/a","response_code":200,"request_id":"r${i}"}`,
      );
    writeFileSync(file, lines.join('\n') + '\n');
    const records = readLogFiles([file], 'auto');
    expect(records).toHaveLength(300_000);
    expect(records.at(-1)?.['http.request.id']).toBe('r299999');
  });
});
