import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineParser } from '../line-parser.ts';
import { ISTIO_TEXT_FORMATS } from './istio-formats.ts';
import { compileText, tokenize } from './compile.ts';
import { renderText } from './render.ts';

describe('Envoy format-string compiler', () => {
  it('tokenizes operators with arguments, fallbacks, lengths and %% escapes', () => {
    expect(tokenize('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH):100% 100%% %START_TIME(%s.%3f)%')).toEqual([
      {
        op: expect.objectContaining({
          command: 'REQ',
          arg: 'X-ENVOY-ORIGINAL-PATH?:PATH',
          maxLength: 100,
          target: { field: 'path' },
        }),
      },
      { literal: ' 100% ' },
      { op: expect.objectContaining({ command: 'START_TIME', arg: '%s.%3f', target: { field: 'start_time' } }) },
    ]);
  });

  it.each([
    ['%FOO', 'does not start a command'.replace('does not start a command', 'missing its closing "%"')],
    ['%REQ(X-A%', 'is not closed'],
    ['plain text', 'has no %COMMAND% operators'],
  ])('rejects the format %j with a message', (format, message) => {
    expect(() => compileText(format)).toThrow(message);
  });

  it("parses a user's accessLogFormat with extra business columns, strftime and dynamic metadata", () => {
    const format =
      '%START_TIME(%Y/%m/%d %H:%M:%S %z)% %REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH):40% %RESPONSE_CODE% %RESPONSE_FLAGS_LONG% %DURATION%ms tenant="%REQ(X-TENANT)%" plan="%REQ(X-PLAN)%" rid=%REQ(X-REQUEST-ID)% cluster=%UPSTREAM_CLUSTER_RAW% authz=%DYNAMIC_METADATA(envoy.filters.http.ext_authz:decision)%\n';
    const p = new LineParser(`envoy:${format}`);
    const r = p.parse(
      '2024/05/01 12:00:00 +0200 POST /orders/8f14e45fceea167a5a36dedd4bea2543 502 UpstreamRemoteReset,UpstreamRetryLimitExceeded 17ms tenant="acme corp" plan="gold" rid=abc cluster=outbound|8080|canary|orders.shop.svc.cluster.local authz=allow',
    );
    expect(r).toMatchObject({
      ok: true,
      record: {
        'envoy.format': 'envoy-custom',
        '@timestamp': '2024-05-01T10:00:00.000Z',
        'http.request.method': 'POST',
        'http.response.status_code': 502,
        'envoy.response_flags': ['UR', 'URX'],
        'event.duration': 17_000_000,
        'envoy.extra.req.x-tenant': 'acme corp',
        'envoy.extra.req.x-plan': 'gold',
        'mesh.destination.subset': 'canary',
        'mesh.route': '/orders/{id}',
        'envoy.extra.dynamic_metadata.envoy.filters.http.ext_authz.decision': 'allow',
      },
    });
  });

  it('reads START_TIME rendered as epoch seconds with milliseconds', () => {
    const r = new LineParser('envoy:%START_TIME(%s.%3f)% %RESPONSE_CODE%').parse('1714557600.250 200');
    expect(r).toMatchObject({ ok: true, record: { '@timestamp': '2024-05-01T10:00:00.250Z' } });
  });

  it('refuses a format that is neither a known name nor envoy:…', () => {
    expect(() => new LineParser('nginx')).toThrow(
      'format must be auto, istio-text, istio-json or envoy:<format string>, got "nginx"',
    );
  });
});

// Values as Envoy would print them: no newlines; quoted fields may hold spaces and inner quotes.
const token = fc.stringMatching(/^[A-Za-z0-9._:/{}|,-]{1,20}$/).filter((s) => s !== '-');
const quoted = fc
  .stringMatching(/^[A-Za-z0-9 ._;()/"-]{1,30}$/)
  .filter((s) => s.trim() === s && !s.endsWith('"') && !s.includes('" ') && s !== '-');
const record = fc.record({
  start_time: fc
    .date({ min: new Date('2018-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: fc.stringMatching(/^\/[a-z0-9/]{0,30}(\?[a-z]=[0-9]{1,3})?$/),
  protocol: fc.constantFrom('HTTP/1.1', 'HTTP/2'),
  response_code: fc.integer({ min: 100, max: 599 }),
  response_flags: fc.constantFrom('-', 'UH', 'UF,URX', 'DC', 'UO'),
  response_code_details: token,
  bytes_received: fc.nat(1e9),
  bytes_sent: fc.nat(1e9),
  duration: fc.nat(1e6),
  upstream_service_time: fc.nat(1e6),
  user_agent: quoted,
  request_id: fc.uuid(),
  authority: token,
  upstream_host: fc.constantFrom('10.0.0.1:80', '-'),
  upstream_cluster: fc.constantFrom(
    'outbound|9080|v2|reviews.default.svc.cluster.local',
    'inbound|9080||',
    'PassthroughCluster',
  ),
  route_name: fc.constantFrom('default', 'reviews-v2', '-'),
});

describe('property: what a format renders, it parses back', () => {
  it.each(ISTIO_TEXT_FORMATS.map((f) => [f.id, f.format]))('%s', (id, format) => {
    const parser = new LineParser('auto');
    fc.assert(
      fc.property(record, (v) => {
        const r = parser.parse(renderText(format, v));
        if (!r.ok) throw new Error(r.reason);
        const rec = r.record;
        expect(rec['envoy.format']).toBe(id);
        expect(rec['@timestamp']).toBe(v.start_time);
        expect(rec['http.request.method']).toBe(v.method);
        expect(rec['url.original']).toBe(v.path);
        expect(rec['http.response.status_code']).toBe(v.response_code);
        expect(rec['envoy.response_flags']).toEqual(v.response_flags === '-' ? [] : v.response_flags.split(','));
        expect(rec['event.duration']).toBe(v.duration * 1e6);
        expect(rec['http.response.bytes']).toBe(v.bytes_sent);
        expect(rec['user_agent.original']).toBe(v.user_agent);
        expect(rec['http.request.id']).toBe(v.request_id);
        if (format.includes('UPSTREAM_CLUSTER')) expect(rec['envoy.upstream.cluster']).toBe(v.upstream_cluster);
        if (format.includes('RESPONSE_CODE_DETAILS'))
          expect(rec['envoy.response_code_details']).toBe(v.response_code_details);
      }),
      { numRuns: 200 },
    );
  });

  it('a custom format with business columns round-trips', () => {
    const format = '%START_TIME% "%REQ(X-TENANT)%" %RESPONSE_CODE% "%REQ(USER-AGENT)%" %REQ(X-USER):12%';
    const parser = new LineParser(`envoy:${format}`);
    fc.assert(
      fc.property(record, quoted, token, (v, tenant, user) => {
        const r = parser.parse(renderText(format, { ...v, 'req.x-tenant': tenant, 'req.x-user': user }));
        if (!r.ok) throw new Error(r.reason);
        expect(r.record['envoy.extra.req.x-tenant']).toBe(tenant);
        expect(r.record['envoy.extra.req.x-user']).toBe(user.slice(0, 12));
        expect(r.record['user_agent.original']).toBe(v.user_agent);
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: corruption never throws', () => {
  it('random edits of valid lines are parsed or rejected with a reason', () => {
    const parser = new LineParser('auto');
    const lines = ISTIO_TEXT_FORMATS.map((f) => f.format);
    fc.assert(
      fc.property(
        record,
        fc.nat(lines.length - 1),
        fc.nat(400),
        fc.nat(50),
        fc.string({ maxLength: 5 }),
        (v, i, at, cut, insert) => {
          const line = renderText(lines[i], v);
          const broken = line.slice(0, at) + insert + line.slice(at + cut);
          const r = parser.parse(broken);
          if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('arbitrary text, including JSON-ish and prefixed input, never throws', () => {
    const parser = new LineParser('auto');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.string().map((s) => `2024-05-01T10:00:00Z stdout F ${s}`),
          fc.string().map((s) => `{"log":${JSON.stringify(s)}}`),
        ),
        (s) => {
          const r = parser.parse(s);
          expect(typeof r.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
