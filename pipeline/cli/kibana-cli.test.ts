import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./bin.mjs', import.meta.url));

describe('meshlog kibana import', () => {
  it('posts the shipped NDJSON to the saved-objects import API with overwrite and kbn-xsrf', async () => {
    // A stand-in for Kibana's import endpoint (Kibana cannot run on this machine).
    const seen: Array<{ url: string; xsrf: string | undefined; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url!, xsrf: req.headers['kbn-xsrf'] as string | undefined, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ success: true, successCount: 23 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const child = spawn(
      process.execPath,
      [BIN, 'kibana', 'import', '--url', `http://127.0.0.1:${port}`, '--space', 'ops'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    server.close();
    expect(code).toBe(0);
    expect(out).toContain('imported 23 saved objects');
    expect(seen[0].url).toBe('/s/ops/api/saved_objects/_import?overwrite=true');
    expect(seen[0].xsrf).toBe('meshlog');
    expect(seen[0].body).toContain('"type":"dashboard","id":"meshlog-canary"');
  });
});
