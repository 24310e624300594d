import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../pipeline/cli/bin.mjs', import.meta.url));

/** A real `meshlog run` process on a config the test writes; `dir` holds its data. */
export interface MeshlogProcess {
  dir: string;
  adminUrl: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts meshlog with `config` (YAML; `$DIR` is replaced by a fresh data folder) and waits for /readyz. */
export async function startMeshlog(config: string, adminPort: number): Promise<MeshlogProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'meshlog-it-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    config.replaceAll('$DIR', dir) +
      `\n  admin: { endpoint: 127.0.0.1:${adminPort} }\n  deadLetter: { path: ${dir}/dead.ndjson }\n  logLevel: warn\n`,
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config', file], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`meshlog exited with ${child.exitCode} while starting`);
    if (
      await fetch(`${adminUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return {
        dir,
        adminUrl,
        child,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('meshlog did not become ready in 15 s');
}
