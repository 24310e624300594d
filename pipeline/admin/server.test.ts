import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../telemetry/metrics.ts';
import { httpsRequest } from '../testing/https-get.ts';
import { makeTestCerts, type TestCerts } from '../testing/tls-certs.ts';
import { createAdminServer, listen } from './server.ts';

let certs: TestCerts;
beforeAll(() => void (certs = makeTestCerts()));

describe('admin server with a bearer token', () => {
  const base = 'http://127.0.0.1:44601';
  let app: ReturnType<typeof createAdminServer>;
  beforeAll(async () => {
    const tokenFile = join(certs.dir, 'token');
    writeFileSync(tokenFile, 's3cret-token\n');
    app = createAdminServer(
      new Metrics(),
      { isReady: () => true, isHealthy: () => true },
      { authTokenFile: tokenFile },
    );
    app.get('/v1/canary', async () => ({ verdict: 'pass' })); // stands for the signals API
    await listen(app, '127.0.0.1:44601');
  });
  afterAll(() => app.close());

  it('leaves the probes open', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('answers 401 without the token or with a wrong one, and serves with it', async () => {
    const none = await fetch(`${base}/v1/canary?service=x`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'MESHLOG_UNAUTHORIZED', message: 'missing or wrong bearer token' });
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${base}/v1/canary`, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ verdict: 'pass' });
  });

  it('refuses to start with an empty token file, naming the option', () => {
    const empty = join(certs.dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() =>
      createAdminServer(new Metrics(), { isReady: () => true, isHealthy: () => true }, { authTokenFile: empty }),
    ).toThrow(`service.admin.authTokenFile: "${empty}" is empty`);
  });
});

describe('admin server over TLS with client certificates', () => {
  const base = 'https://127.0.0.1:44602';
  let app: ReturnType<typeof createAdminServer>;
  beforeAll(async () => {
    app = createAdminServer(
      new Metrics(),
      { isReady: () => true, isHealthy: () => true },
      {
        tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, clientAuth: true },
      },
    );
    await listen(app, '127.0.0.1:44602');
  });
  afterAll(() => app.close());

  it('serves a client that presents a certificate from the CA', async () => {
    const res = await httpsRequest(`${base}/healthz`, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    expect(res).toEqual({ status: 200, body: '{"status":"ok"}' });
  });

  it('refuses a client without a certificate', async () => {
    await expect(httpsRequest(`${base}/healthz`, { ca: certs.ca })).rejects.toThrow();
  });
});
