import { createServer } from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilReady, writeLinesToFileConfig } from '../testing/meshlog-run.ts';
import { describe, expect, it, onTestFinished } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));
const BAD = fileURLToPath(new URL('../config/testdata/bad-types.yaml', import.meta.url));

describe('meshlog CLI', () => {
  it('--version prints the package version', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
  });

  it('validate-config exits non-zero and names every bad path', () => {
    const r = spawnSync(process.execPath, [BIN, 'validate-config', '--config', BAD], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('receivers.http_lines.endpont: unknown key');
    expect(r.stderr).toContain('exporters.file.path: Invalid input: expected string, received number (found 42)');
  });

  it('validate-config accepts the shipped all-in-one example (Elasticsearch, Jaeger, labels, join, signals)', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'validate-config',
        '--config',
        fileURLToPath(new URL('../../deploy/examples/all-in-one.yaml', import.meta.url)),
      ],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('validate-config accepts the embedded default', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'validate-config', '--config', fileURLToPath(new URL('../config/default.yaml', import.meta.url))],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toContain('valid');
    expect(r.status).toBe(0);
  });

  it('run serves readyz and metrics, writes what it receives, and exits 0 on SIGTERM after draining', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-cli-'));
    const config = writeLinesToFileConfig(dir, { lines: 18088, admin: 18686 });
    const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(await untilReady('http://127.0.0.1:18686')).toBe(true);
    // `run` re-executes itself with its heap flags: the same process (PID) serves, and it is what SIGTERM reaches below.
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=16');
    expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')).toContain(
      '--no-allocation-site-pretenuring',
    );
    const line =
      '{"start_time":"2024-01-01T00:00:00.000Z","method":"GET","path":"/a/1","response_code":503,"response_flags":"UH","request_id":"r1","upstream_cluster":"outbound|80||a.ns.svc.cluster.local","duration":5}';
    const posted = await fetch('http://127.0.0.1:18088/v1/lines', {
      method: 'POST',
      body: `${line}\nnot a log line\n`,
    });
    expect(await posted.json()).toEqual({ accepted: 2 });
    const metrics = await (await fetch('http://127.0.0.1:18686/metrics')).text();
    expect(metrics).toMatch(/^meshlog_received_total\{component="http_lines"\} 2$/m);
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const out = readFileSync(join(dir, 'out.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      'http.request.id': 'r1',
      'mesh.error_class': 'mesh',
      'mesh.destination.service': 'a',
      'mesh.route': '/a/{id}',
    });
    const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead).toEqual([
      expect.objectContaining({ code: 'MESHLOG_PARSE_FAILED', payload: 'not a log line', line: 2 }),
    ]);
  });

  it('reloads on SIGHUP: a valid new config takes over, an invalid one is refused and the running one kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-hup-'));
    const config = join(dir, 'config.yaml');
    const write = (port: number, extra = '') =>
      writeFileSync(
        config,
        `
receivers:
  http_lines: { endpoint: 127.0.0.1:${port} }${extra}
processors:
  parse: { maxClockSkewMs: 0 } # the test lines are from 2024
exporters:
  file: { path: ${dir}/out.ndjson }
service:
  admin: { endpoint: 127.0.0.1:18687 }
  deadLetter: { path: ${dir}/dead.ndjson }
  logLevel: warn
  pipelines:
    logs: { receivers: [http_lines], processors: [parse], exporters: [file] }
`,
      );
    const post = (port: number) =>
      fetch(`http://127.0.0.1:${port}/v1/lines`, {
        method: 'POST',
        body: '{"start_time":"2024-01-01T00:00:00.000Z","request_id":"x"}\n',
      }).then(
        (r) => r.status,
        () => 0,
      );
    const until = async (cond: () => Promise<boolean>, tries = 100) => {
      for (let i = 0; i < tries; i++) {
        if (await cond()) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    write(18091);
    const child = spawn(process.execPath, [BIN, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    onTestFinished(() => void child.kill('SIGKILL')); // never leave it listening if an assertion fails
    expect(await until(async () => (await post(18091)) === 200)).toBe(true);

    write(18092);
    child.kill('SIGHUP');
    expect(await until(async () => (await post(18092)) === 200)).toBe(true);
    expect(await post(18091)).toBe(0); // the old receiver is gone

    write(18093, '\n    bogus: 1');
    child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    expect(await until(async () => (await post(18092)) === 200)).toBe(true); // still the last good config
    expect(await post(18093)).toBe(0);

    // A valid config whose port is taken cannot start: the old config serves again, and says so.
    const squatter = createServer().listen(18094, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    write(18094);
    child.kill('SIGHUP');
    expect(await until(() => Promise.resolve(log.includes('starting the previous one again')), 300)).toBe(true);
    const admin = (path: string) => fetch(`http://127.0.0.1:18687${path}`).then((r) => r.status);
    expect(await until(async () => (await admin('/readyz')) === 200, 300), log).toBe(true);
    expect(await admin('/healthz')).toBe(200);
    expect(await post(18092)).toBe(200);
    squatter.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Nothing accepted before or across the reloads was lost.
    expect(readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
