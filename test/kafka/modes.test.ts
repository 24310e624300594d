import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../pipeline/cli/bin.mjs', import.meta.url));
const config = (mode: string) => fileURLToPath(new URL(`./modes/${mode}.yaml`, import.meta.url));
const validate = (file: string, mode: string) =>
  run(process.execPath, [BIN, 'validate-config', '--mode', mode, '-c', file]).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stderr: string }) => ({ code: e.code, out: e.stderr }),
  );

/** The example configs of the README, through the real CLI. */
describe('validate-config --mode on the example configs', () => {
  it.each(['agent', 'processor', 'signals'])('%s.yaml is valid for its mode', async (mode) => {
    expect(await validate(config(mode), mode)).toEqual({ code: 0, out: `${config(mode)}: valid for mode ${mode}\n` });
  });

  it('the agent config cannot run as a processor, and says why', async () => {
    const r = await validate(config('agent'), 'processor');
    expect(r.code).toBe(1);
    expect(r.out).toContain('no pipeline runs in mode "processor"');
  });
});
