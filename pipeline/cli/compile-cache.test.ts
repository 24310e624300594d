import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilReady, writeLinesToFileConfig } from '../testing/meshlog-run.ts';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

/**
 * Starts `meshlog run`, has its parse worker parse one line, and ends it with SIGKILL (as the
 * kubelet does after a grace period, or the OOM killer). Returns what Node's compile cache logged:
 * one line per module it looked up, in the main thread and in the worker thread.
 */
async function runOnce(dir: string, cache: string): Promise<string> {
  const config = writeLinesToFileConfig(dir, { lines: 18089, admin: 18687 });
  const child = spawn(process.execPath, [BIN, 'run', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  // 'close', not 'exit': the last of stderr may still be in the pipe when the process has exited.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    expect(await untilReady('http://127.0.0.1:18687')).toBe(true);
    const line =
      '{"start_time":"2024-01-01T00:00:00.000Z","method":"GET","path":"/a","response_code":200,"request_id":"r1"}';
    const posted = await fetch('http://127.0.0.1:18089/v1/lines', { method: 'POST', body: `${line}\n` });
    expect(posted.status).toBe(200);
    // Parsed means the worker thread has loaded its modules.
    for (let i = 0; i < 100; i++) {
      const metrics = await (await fetch('http://127.0.0.1:18687/metrics')).text();
      if (/^meshlog_exported_total\{component="file"\} 1$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGKILL');
    await closed;
  }
  return log;
}

describe('meshlog run and the compile cache', () => {
  it('a restarted meshlog, killed the first time, strips no TypeScript: every module, the worker thread’s too, comes from the cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-compile-cache-'));
    const cache = join(dir, 'cache');
    const first = await runOnce(dir, cache);
    // The first start strips every module it loads, the parse worker's among them.
    expect(first).toMatch(/no transpile cache for StrippedTypeScript \S*\/processors\/parse\/worker\.ts/);
    expect(first).toMatch(/no transpile cache for StrippedTypeScript file:\/\/\S+\/pipeline\/runtime\/runtime\.ts/);

    const second = await runOnce(dir, cache);
    const stripped = second.split('\n').filter((l) => /no transpile cache for StrippedTypeScript/.test(l));
    expect(stripped).toEqual([]);
    expect(second).toMatch(/transpile cache for StrippedTypeScript \S*\/processors\/parse\/worker\.ts\.\.\.success/);
  });
});
