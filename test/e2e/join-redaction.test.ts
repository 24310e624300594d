import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMeshlog } from '../support/meshlog-process.ts';

const FORMAT =
  '[%START_TIME%] \\"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\\" %RESPONSE_CODE% %RESPONSE_FLAGS% %DURATION% \\"%REQ(X-REQUEST-ID)%\\" %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %UPSTREAM_LOCAL_ADDRESS% \\"%REQ(X-TENANT)%\\" \\"%REQ(X-USER)%\\" \\"%REQ(X-CARD)%\\"';
const USER = 'alice.secret@example.com';
const CARD = '4111-1111-1111-1111';
const KEY = 'e2e-hmac-key';

describe('meshlog run: parse → labels → join → file, with redaction', () => {
  it('joins hops and spans into RequestDocs with labels, and no redacted clear value is stored anywhere', async () => {
    process.env.E2E_HMAC_KEY = KEY;
    const meshlog = await startMeshlog(
      `
receivers:
  http_lines: { endpoint: 127.0.0.1:38088 }
  otlp: { grpc: { endpoint: null }, http: { endpoint: 127.0.0.1:38318 } }
processors:
  parse: { format: "envoy:${FORMAT}" }
  labels:
    headers:
      - { header: x-tenant, name: tenant }
      - { header: x-user, name: user, redact: hmac }
      - { header: x-card, redact: drop }
    hmacKey: { env: E2E_HMAC_KEY }
  join: { idleMs: 300, tickMs: 100, allowedSkewMs: 0, emitParts: true }
exporters:
  file: { path: $DIR/out.ndjson }
service:
  pipelines:
    all: { receivers: [http_lines, otlp], processors: [parse, labels, join], exporters: [file] }`,
      38687,
    );
    const t = new Date().toISOString();
    const lines = [
      `[${t}] "GET /cart HTTP/1.1" 503 UF 12 "rid-1" outbound|80||cart.shop.svc.cluster.local 10.0.0.1:5000 10.96.0.1:80 10.0.0.1:6000 "acme" "${USER}" "${CARD}"`,
      `[${t}] "GET /cart HTTP/1.1" 503 UF 10 "rid-1" inbound|80|| 10.0.0.1:6000 10.0.0.2:80 127.0.0.6:1 "acme" "${USER}" "${CARD}"`,
      `[${t}] "GET /home HTTP/1.1" 200 - 3 "rid-2" outbound|80||home.shop.svc.cluster.local 10.0.0.1:5001 10.96.0.2:80 10.0.0.1:6001 "globex" "-" "-"`,
      // Lines the parser rejects, still holding clear header values: a mangled text line and JSON.
      `[${t}] "GET /cart HTTP/1.1" 5x3 UF twelve "rid-3" "acme" "${USER}" "${CARD}"`,
      `{"start_time":"${t}","x-user":"${USER}","X-Card":"${CARD}","response_code":"oops"`,
      `{"start_time":"${t}","x-user":"${USER}","x-card":"${CARD}","response_code":"not a number","duration":-1}`,
    ];
    expect((await fetch('http://127.0.0.1:38088/v1/lines', { method: 'POST', body: lines.join('\n') })).status).toBe(
      200,
    );
    const startNs = String(BigInt(Date.parse(t)) * 1_000_000n);
    const span = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'home.shop' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'home',
                  kind: 3,
                  startTimeUnixNano: startNs,
                  endTimeUnixNano: startNs,
                  attributes: [
                    { key: 'guid:x-request-id', value: { stringValue: 'rid-2' } },
                    { key: 'upstream_cluster', value: { stringValue: 'outbound|80||home.shop.svc.cluster.local' } },
                    { key: 'http.request.header.x-user', value: { stringValue: USER } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    expect(
      (
        await fetch('http://127.0.0.1:38318/v1/traces', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(span),
        })
      ).status,
    ).toBe(200);

    const out = join(meshlog.dir, 'out.ndjson');
    const docs = () => {
      let text: string;
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        return []; // not written yet
      }
      return text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((d) => d['event.dataset'] === 'meshlog.request');
    };
    for (let i = 0; i < 100 && docs().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await meshlog.stop()).toBe(0);

    const byId = Object.fromEntries(docs().map((d) => [d['http.request.id'], d]));
    const pseudonym = createHmac('sha256', KEY).update(USER).digest('hex').slice(0, 32);
    expect(byId['rid-1']).toMatchObject({
      'meshlog.join.state': 'complete',
      'labels.tenant': 'acme',
      'labels.user': pseudonym,
      'mesh.error_class': 'mesh',
      'mesh.failed_hop': 1, // the inbound hop, where the 503 UF started
    });
    expect((byId['rid-1']['mesh.hops'] as unknown[]).length).toBe(2);
    expect(
      (byId['rid-1'].spans as Array<{ attributes: Record<string, unknown> }>)[0].attributes['meshlog.synthetic'],
    ).toBe(true);
    expect(byId['rid-2']).toMatchObject({
      'labels.tenant': 'globex',
      'labels.user': pseudonym,
      'trace.id': '5b8efff798038103d269b633813fc60c',
    });
    expect(byId['rid-1']).not.toHaveProperty('labels.x-card');

    // Search everything meshlog wrote: documents, passed-on parts, dead letters, the config aside.
    const written = readdirSync(meshlog.dir)
      .filter((f) => f !== 'config.yaml')
      .map((f) => readFileSync(join(meshlog.dir, f), 'utf8'))
      .join('\n');
    expect(written.length).toBeGreaterThan(1000);
    expect(written).not.toContain(USER);
    expect(written).not.toContain(CARD);
    expect(written).toContain(pseudonym);
    // The rejected lines are in the dead letters, redacted: a text line as a keyed hash, JSON field by field.
    const dead = readFileSync(join(meshlog.dir, 'dead.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { redacted?: string; payload: string });
    expect(dead.length).toBeGreaterThanOrEqual(3);
    expect(dead.every((d) => d.redacted === 'fields' || d.redacted === 'hashed')).toBe(true);
    expect(dead.some((d) => d.redacted === 'hashed' && d.payload.startsWith('hmac-sha256:'))).toBe(true);
    expect(dead.some((d) => d.redacted === 'fields' && d.payload.includes('"x-user":"[redacted]"'))).toBe(true);
  });
});
