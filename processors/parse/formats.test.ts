import { describe, expect, it } from 'vitest';
import { LineParser } from './line-parser.ts';
import { CANONICAL_FIELDS, emptyFields } from './fields.ts';

const auto = new LineParser('auto');

function parse(line: string, parser = auto) {
  const r = parser.parse(line);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.record;
}

/** One line per Istio/Envoy text format A–H (shared/reference/formats.md), as the proxies print them. */
const LINES = {
  A: '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"',
  B: '[2019-01-10T08:00:01.001Z] "GET /ratings/0 HTTP/1.1" 200 - 0 48 3 2 "-" "Envoy/HC" "8f7a-b1" "ratings:9080" "10.1.0.7:9080" outbound|9080|v1|ratings.default.svc.cluster.local - 10.0.0.12:9080 10.1.0.5:50000 -',
  C: '[2019-03-06T09:31:27.354Z] "GET /status/418 HTTP/1.1" 418 - "-" 0 135 5 2 "-" "curl/7.60.0" "d209e46f-9ed5-9b61-bbdd-43e22662702a" "httpbin:8000" "127.0.0.1:80" inbound|8000|http|httpbin.default.svc.cluster.local - 172.30.146.73:80 172.30.146.82:38618 outbound_.8000_._.httpbin.default.svc.cluster.local',
  D: '[2019-07-01T10:00:00.000Z] "GET /details/0 HTTP/1.1" 503 UF "-" "-" 0 91 30 - "-" "curl/7.64" "a1b2" "details:9080" "10.1.2.3:9080" outbound|9080||details.default.svc.cluster.local - 10.96.0.20:9080 10.1.1.5:40000 -',
  E: '[2020-06-01T10:00:00.000Z] "GET /productpage HTTP/1.1" 200 - "-" "-" 0 5183 33 32 "10.0.0.1" "Mozilla/5.0 (X11; Linux x86_64)" "0c0d" "192.168.0.1:31380" "10.1.1.5:9080" outbound|9080||productpage.default.svc.cluster.local 10.1.1.4:33500 10.1.1.4:80 10.0.0.1:0 - -',
  F: '[2020-12-01T10:00:00.000Z] "GET / HTTP/1.1" 503 UF,URX "-" 0 91 30 - "-" "curl/7.73" "f00d" "a:80" "10.1.1.1:80" outbound|80||a.ns.svc.cluster.local - 10.96.0.1:80 10.1.1.2:5000 - default',
  G: '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default',
  H: '[2024-08-01T12:00:00.123Z] "GET /reviews/7 HTTP/1.1" 503 UO upstream_reset_before_response_started{overflow} - "-" 0 81 0 - "-" "python-requests/2.31" "628981035bc3c795-AMS" "reviews:9080" "-" outbound|9080|v2|reviews.default.svc.cluster.local - 10.96.1.1:9080 10.244.0.5:40000 - default',
};

describe('Istio text formats A–H, detected per line', () => {
  it('A: Envoy default', () => {
    expect(parse(LINES.A)).toMatchObject({
      'envoy.format': 'envoy-default-A',
      '@timestamp': '2016-04-15T20:17:00.310Z',
      'http.request.method': 'POST',
      'url.original': '/api/v1/locations',
      'network.protocol': 'HTTP/2',
      'http.response.status_code': 204,
      'envoy.response_flags': [],
      'http.request.bytes': 154,
      'http.response.bytes': 0,
      'event.duration': 226_000_000,
      'envoy.upstream_service_time': 100,
      'envoy.x_forwarded_for': '10.0.35.28',
      'user_agent.original': 'nsq2http',
      'http.request.id': 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
      'envoy.authority': 'locations',
      'envoy.upstream.host': 'tcp://10.0.2.1:80',
      'mesh.direction': 'unknown',
      'mesh.error_class': 'ok',
    });
  });

  it('B: pre-1.1 with cluster and addresses', () => {
    expect(parse(LINES.B)).toMatchObject({
      'envoy.format': 'istio-text-B',
      'envoy.upstream.cluster': 'outbound|9080|v1|ratings.default.svc.cluster.local',
      'mesh.direction': 'outbound',
      'mesh.destination.service': 'ratings',
      'mesh.destination.namespace': 'default',
      'mesh.destination.port': 9080,
      'mesh.destination.subset': 'v1',
      'envoy.upstream.local_address': null,
      'destination.ip': '10.0.0.12',
      'destination.port': 9080,
      'source.ip': '10.1.0.5',
      'source.port': 50000,
      'mesh.route': '/ratings/{id}',
    });
  });

  it('C: 1.1 with mixer status and the old inbound cluster name', () => {
    expect(parse(LINES.C)).toMatchObject({
      'envoy.format': 'istio-text-C',
      'http.response.status_code': 418,
      'mesh.direction': 'inbound',
      'mesh.destination.service': 'httpbin',
      'mesh.destination.namespace': 'default',
      'mesh.destination.port': 8000,
      'mesh.destination.subset': null,
      'envoy.requested_server_name': 'outbound_.8000_._.httpbin.default.svc.cluster.local',
      'mesh.error_class': 'ok',
    });
  });

  it('D and F have the same token count and are told apart by quoting', () => {
    const d = parse(LINES.D);
    const f = parse(LINES.F);
    expect(d['envoy.format']).toBe('istio-text-D');
    expect(d['envoy.route_name']).toBeNull();
    expect(d['http.request.bytes']).toBe(0);
    expect(f['envoy.format']).toBe('istio-text-F');
    expect(f['envoy.route_name']).toBe('default');
    expect(f['envoy.response_flags']).toEqual(['UF', 'URX']);
    expect(f['mesh.error_class']).toBe('mesh');
  });

  it('E: 1.3–1.7 with route name and a user agent containing spaces', () => {
    expect(parse(LINES.E)).toMatchObject({
      'envoy.format': 'istio-text-E',
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
      'http.response.bytes': 5183,
      'envoy.upstream.local_address': '10.1.1.4:33500',
      'mesh.destination.service': 'productpage',
      'mesh.route': '/productpage',
    });
  });

  it('G and H: response code details and termination details', () => {
    expect(parse(LINES.G)).toMatchObject({
      'envoy.format': 'istio-text-G/H',
      'envoy.response_code_details': 'via_upstream',
      'envoy.connection_termination_details': null,
      'http.response.status_code': 418,
      'mesh.error_class': 'ok',
      'mesh.destination.namespace': 'foo',
    });
    expect(parse(LINES.H)).toMatchObject({
      'envoy.format': 'istio-text-G/H',
      'envoy.response_code_details': 'upstream_reset_before_response_started{overflow}',
      'http.request.id': '628981035bc3c795-AMS',
      'envoy.response_flags': ['UO'],
      'mesh.error_class': 'mesh',
      'mesh.destination.subset': 'v2',
      'mesh.route': '/reviews/{id}',
      'envoy.upstream.host': null,
    });
  });

  it('handles a mesh mid-upgrade: two layouts interleaved in one stream', () => {
    const formats = [LINES.E, LINES.G, LINES.E, LINES.H, LINES.C].map((l) => parse(l)['envoy.format']);
    expect(formats).toEqual(['istio-text-E', 'istio-text-G/H', 'istio-text-E', 'istio-text-G/H', 'istio-text-C']);
  });

  it('reads TCP lines and the listener NR line', () => {
    const tcp = parse(
      '[2021-05-01T00:00:00.000Z] "- - -" 0 - - - "-" 1536 2880 52 - "-" "-" "-" "-" "10.1.1.9:3306" outbound|3306||mysql.db.svc.cluster.local 10.1.1.2:50000 10.96.3.3:3306 10.1.1.2:49998 - -',
    );
    expect(tcp).toMatchObject({
      'http.request.method': null,
      'url.original': null,
      'network.protocol': null,
      'http.response.status_code': 0,
      'mesh.route': 'tcp',
      'mesh.destination.service': 'mysql',
      'mesh.error_class': 'ok',
    });
    const nr = parse(
      '[2021-05-01T00:00:00.000Z] "- - -" 0 NR filter_chain_not_found - "-" 0 0 0 - "-" "-" "-" "-" "-" - - 10.0.0.5:8080 10.0.0.6:44444 - -',
    );
    expect(nr).toMatchObject({
      'envoy.response_flags': ['NR'],
      'mesh.error_class': 'no_route',
      'mesh.direction': 'unknown',
      'envoy.response_code_details': 'filter_chain_not_found',
    });
  });

  it('reads a 1.23 legacy-format cluster with the alt_stat_name ";"', () => {
    const line = LINES.G.replace(
      'outbound|8000||httpbin.foo.svc.cluster.local',
      'outbound|8000||httpbin.foo.svc.cluster.local;',
    );
    expect(parse(line)).toMatchObject({
      'mesh.destination.service': 'httpbin',
      'mesh.destination.namespace': 'foo',
      'envoy.upstream.cluster': 'outbound|8000||httpbin.foo.svc.cluster.local;',
    });
  });

  it('keeps a value with an inner quote inside its quoted field', () => {
    const line = LINES.G.replace('"curl/7.73.0-DEV"', '"agent "quoted" x"');
    expect(parse(line)['user_agent.original']).toBe('agent "quoted" x');
  });

  it.each([
    ['a truncated line', LINES.G.slice(0, 120), 'does not match any Istio text format'],
    ['broken quoting', LINES.G.replace('"curl/7.73.0-DEV"', '"curl/7.73.0-DEV'), 'unbalanced quotes'],
    ['a non-numeric status', LINES.G.replace(' 418 ', ' 4x8 '), 'does not match'],
  ])('rejects %s with a reason', (_n, line, reason) => {
    const r = auto.parse(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it('keeps unknown response flags as they are', () => {
    expect(parse(LINES.G.replace(' 418 - ', ' 418 XYZ,UT '))['envoy.response_flags']).toEqual(['XYZ', 'UT']);
  });

  it('istio-text refuses JSON lines and istio-json refuses text lines', () => {
    expect(new LineParser('istio-text').parse('{"start_time":"2020-01-01T00:00:00Z"}')).toMatchObject({ ok: false });
    expect(new LineParser('istio-json').parse(LINES.G)).toMatchObject({
      ok: false,
      reason: 'not a JSON line, but the format is istio-json',
    });
  });
});

describe('emptyFields', () => {
  it('holds every canonical field, unset, and nothing else', () => {
    const f = emptyFields();
    expect(Object.keys(f)).toEqual([...CANONICAL_FIELDS]);
    expect(Object.values(f).every((v) => v === undefined)).toBe(true);
  });
});
