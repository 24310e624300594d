import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { supportedKibana, withMeshlogUrl } from './commands/kibana.ts';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

interface Seen {
  method: string;
  url: string;
  xsrf: string | undefined;
  auth: string | undefined;
  body: string;
}

/** A stand-in for Kibana (it cannot run on this machine): /api/status says `version`, the import answers `importAnswer`. */
async function fakeKibana(
  version: string | undefined,
  importAnswer: { status: number; body: unknown } = { status: 200, body: { success: true, successCount: 31 } },
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        xsrf: req.headers['kbn-xsrf'] as string | undefined,
        auth: req.headers.authorization,
        body,
      });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/status') {
        res.end(JSON.stringify(version ? { name: 'kibana', version: { number: version } } : { status: 'ok' }));
        return;
      }
      res.statusCode = importAnswer.status;
      res.end(JSON.stringify(importAnswer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function importInto(
  version: string | undefined,
  args: string[] = [],
  importAnswer?: { status: number; body: unknown },
) {
  const k = await fakeKibana(version, importAnswer);
  servers.push(k.server);
  const child = spawn(process.execPath, [BIN, 'kibana', 'import', '--url', k.url, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise((r) => child.on('exit', r));
  return { code, out, err, seen: k.seen };
}

describe('meshlog kibana import', () => {
  it('checks the version, then posts the shipped NDJSON with overwrite, kbn-xsrf and basic auth', async () => {
    const r = await importInto('8.15.2', ['--space', 'ops', '--user', 'elastic', '--password', 'pw']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported 31 saved objects into Kibana 8.15.2');
    expect(r.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/status',
      'POST /s/ops/api/saved_objects/_import?overwrite=true',
    ]);
    expect(r.seen[1].xsrf).toBe('meshlog');
    expect(r.seen[0].auth).toBe(`Basic ${Buffer.from('elastic:pw').toString('base64')}`);
    expect(r.seen[1].body).toContain('"type":"dashboard","id":"meshlog-canary"');
    expect(r.seen[1].body).toContain('"type":"lens","id":"routes-table"');
  });

  it('points the canary-view links at --meshlog-url', async () => {
    const r = await importInto('9.1.0', ['--meshlog-url', 'https://meshlog.example.com:8686/']);
    expect(r.code).toBe(0);
    expect(r.seen[1].body).toContain('https://meshlog.example.com:8686/#/canary?{{rawValue}}');
    expect(r.seen[1].body).not.toContain('http://localhost:8686');
  });

  it.each(['7.17.24', '8.10.4', '10.0.0'])('refuses Kibana %s with a clear message and imports nothing', async (v) => {
    const r = await importInto(v);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `Kibana ${v} is not supported: meshlog's dashboards are Lens saved objects in the format of Kibana 8.11 to 9.x; nothing was imported\n`,
    );
    expect(r.seen.map((s) => s.url)).toEqual(['/api/status']);
  });

  it('refuses a Kibana that does not say its version', async () => {
    const r = await importInto(undefined);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/did not say its version \(GET \/api\/status answered 200\)/);
    expect(r.seen).toHaveLength(1);
  });

  it("reports Kibana's own reasons when the import is refused", async () => {
    const r = await importInto('8.11.0', [], {
      status: 200,
      body: { success: false, errors: [{ id: 'routes-table', error: { type: 'unsupported_type' } }] },
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('import failed (200): [{"id":"routes-table","error":{"type":"unsupported_type"}}]');
  });

  it('says so when Kibana cannot be reached', async () => {
    const k = await fakeKibana('8.15.0');
    const url = k.url;
    await new Promise((r) => k.server.close(r));
    const child = spawn(process.execPath, [BIN, 'kibana', 'import', '--url', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(1);
    expect(err).toContain(`cannot reach Kibana at ${url}`);
  });
});

describe('supported versions and links', () => {
  it('accepts 8.11 and later 8.x, and 9.x', () => {
    for (const v of ['8.11.0', '8.19.3', '9.0.0', '9.2.4', '8.11.0-SNAPSHOT']) expect(supportedKibana(v), v).toBe(true);
    for (const v of ['7.17.0', '8.10.4', '8.1.0', '10.0.0', 'nonsense', '']) expect(supportedKibana(v), v).toBe(false);
  });

  it('refuses a meshlog URL that is not a plain http(s) URL', () => {
    expect(() => withMeshlogUrl('{}', 'not a url')).toThrow('--meshlog-url is not a URL: not a url');
    expect(() => withMeshlogUrl('{}', 'javascript:alert(1)')).toThrow(/must be an http\(s\) URL/);
    expect(() => withMeshlogUrl('{}', 'http://x/"y')).toThrow(/must be an http\(s\) URL/);
  });
});
