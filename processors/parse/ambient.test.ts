import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isServerFault } from '../../pipeline/mesh/error-class.ts';
import { parseChunk } from './chunk.ts';
import { LineParser } from './line-parser.ts';
import type { ParseResult } from './task.ts';

const auto = new LineParser('auto');

function parse(line: string, parser = auto) {
  const r = parser.parse(line);
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.record;
}

function reason(line: string, parser = auto): string {
  const r = parser.parse(line);
  if (r.ok) throw new Error('accepted');
  return r.reason;
}

function chunk(text: string): ParseResult {
  const out: ParseResult = { records: [], rejections: [] };
  parseChunk(
    { encoding: 'lines', data: Buffer.from(text), receiver: 't' },
    { format: 'auto', maxLineBytes: 65536 },
    out,
  );
  return out;
}

const ZT_BARE =
  '2024-07-23T14:21:03.450051Z\tinfo\taccess\tconnection complete\tsrc.addr=10.12.0.8:37522 src.workload=sleep-bc9998558-bhv5z src.namespace=my-ambient src.identity="spiffe://cluster.local/ns/my-ambient/sa/sleep" dst.addr=10.12.0.9:15008 dst.hbone_addr=10.12.0.9:5000 dst.service=helloworld.my-ambient.svc.cluster.local dst.workload=helloworld-v1-77489ccb5f-pjbq5 dst.namespace=my-ambient dst.identity="spiffe://cluster.local/ns/my-ambient/sa/default" direction="outbound" bytes_sent=67 bytes_recv=225 duration="12ms"';
/** The same event as a release that quotes every string value. */
const ZT_QUOTED = ZT_BARE.replace(/=([a-z][^ "]*)/g, '="$1"').replace('direction=""outbound""', 'direction="outbound"');

describe('ztunnel access events', () => {
  it('reads the text form into an L4 record, whether string values are quoted or bare', () => {
    const want = {
      'envoy.format': 'ztunnel-text',
      '@timestamp': '2024-07-23T14:21:03.450Z',
      'event.action': 'connection_complete',
      'mesh.reporter': 'ztunnel',
      'mesh.direction': 'outbound',
      'source.ip': '10.12.0.8',
      'source.port': 37522,
      'destination.ip': '10.12.0.9',
      'destination.port': 5000,
      'mesh.destination.hbone_address': '10.12.0.9:5000',
      'envoy.upstream.host': '10.12.0.9:15008',
      'mesh.source.workload': 'sleep',
      'mesh.source.namespace': 'my-ambient',
      'mesh.source.identity': 'spiffe://cluster.local/ns/my-ambient/sa/sleep',
      'mesh.destination.service': 'helloworld',
      'mesh.destination.namespace': 'my-ambient',
      'mesh.destination.workload': 'helloworld-v1',
      'mesh.destination.subset': 'v1',
      'mesh.destination.identity': 'spiffe://cluster.local/ns/my-ambient/sa/default',
      'http.request.bytes': 67,
      'http.response.bytes': 225,
      'event.duration': 12_000_000,
      'mesh.route': 'tcp',
      'mesh.error_class': 'ok',
      'error.message': null,
    };
    expect(ZT_QUOTED).toContain('src.workload="sleep-bc9998558-bhv5z"');
    expect(parse(ZT_BARE)).toMatchObject(want);
    expect(parse(ZT_QUOTED)).toMatchObject(want);
  });

  it('reads the JSON form (LOG_FORMAT=json), flat or with tracing fields nested', () => {
    const flat = {
      level: 'info',
      time: '2026-08-10T08:19:58.950669Z',
      scope: 'access',
      message: 'connection complete',
      'src.addr': '10.244.0.6:57866',
      'dst.addr': '10.244.0.7:15008',
      'dst.hbone_addr': '10.244.0.7:18080',
      'dst.service': 'http-service.default.svc.cluster.local',
      'dst.workload': 'http-server-7bbf596dd9-4rgdc',
      direction: 'inbound',
      bytes_sent: 16,
      bytes_recv: 17,
      duration: '1006ms',
    };
    const { time, level, scope, ...fields } = flat;
    const nested = { timestamp: time, level: level.toUpperCase(), target: scope, fields };
    for (const line of [JSON.stringify(flat), JSON.stringify(nested)]) {
      expect(parse(line)).toMatchObject({
        'envoy.format': 'ztunnel-json',
        'mesh.direction': 'inbound',
        'mesh.destination.service': 'http-service',
        'mesh.destination.port': 18080,
        'http.request.bytes': 16,
        'http.response.bytes': 17,
        'event.duration': 1_006_000_000,
        'log.level': 'info',
      });
    }
  });

  it('reads the lines of ztunnel releases before the access target', () => {
    expect(
      parse(
        '2024-04-04T07:16:36.302922Z  INFO proxy{uid=4f1d}: ztunnel::proxy::inbound_passthrough: connection complete source=10.244.0.7:39864 destination=10.244.0.15:9080 component="inbound plaintext"',
      ),
    ).toMatchObject({
      'envoy.format': 'ztunnel-legacy',
      'mesh.direction': 'inbound',
      'source.ip': '10.244.0.7',
      'destination.ip': '10.244.0.15',
      'destination.port': 9080,
    });
  });

  it('keeps the error as the reason; a policy rejection is not a server fault, a TLS failure is the mesh', () => {
    const denied = parse(
      ZT_BARE.replace('\tinfo\t', '\terror\t') +
        ' error="connection closed due to policy rejection: allow policies exist, but none allowed"',
    );
    expect(denied).toMatchObject({
      'log.level': 'error',
      'error.message': 'connection closed due to policy rejection: allow policies exist, but none allowed',
      'error.type': 'policy_denied',
      'mesh.error_class': 'no_route',
    });
    expect(isServerFault(denied['mesh.error_class'])).toBe(false);
    const tls = parse(
      '2024-09-02T10:00:00.100000Z\twarn\taccess\tconnection failed\tsrc.addr=10.244.0.5:54646 dst.addr=10.244.0.9:15008 dst.hbone_addr=10.244.0.9:8080 direction="outbound" error="io error: invalid peer certificate: UnknownIssuer"',
    );
    expect(tls).toMatchObject({ 'event.action': 'connection_failed', 'error.type': 'tls', 'mesh.error_class': 'mesh' });
  });

  it('a line with only a destination workload has no service, but keeps the workload and namespace', () => {
    const r = parse(ZT_BARE.replace(/ dst\.service=\S+/, ''));
    expect(r['mesh.destination.service']).toBeNull();
    expect(r).toMatchObject({
      'mesh.destination.workload': 'helloworld-v1',
      'mesh.destination.namespace': 'my-ambient',
    });
  });

  it('rejects negative byte counts and durations with the field named', () => {
    expect(reason(ZT_BARE.replace('bytes_sent=67', 'bytes_sent=-67'))).toBe('ztunnel: bytes_sent is negative: -67');
    expect(reason(ZT_BARE.replace('duration="12ms"', 'duration="-12ms"'))).toBe('ztunnel: duration is negative: -12ms');
    expect(reason(ZT_BARE.replace('duration="12ms"', 'duration="soon"'))).toContain('duration is not a duration');
  });
});

const WAYPOINT =
  '[2025-01-30T12:10:13.279Z] "GET /details/0 HTTP/1.1" 200 - via_upstream - "-" 0 178 0 0 "-" "Go-http-client/1.1" "e7d5b6ce-5f7f-9731-8471-ca5bcd650a72" "details:9080" "envoy://connect_originate/10.129.0.43:9080" inbound-vip|9080|http|details.bookinfo.svc.cluster.local envoy://internal_client_address/ 10.96.185.196:9080 10.244.0.37:52134 - default';

describe('waypoint lines', () => {
  it('read the service from inbound-vip (the third field is a protocol, never a subset) and keep the real endpoint', () => {
    expect(parse(WAYPOINT)).toMatchObject({
      'mesh.direction': 'waypoint',
      'mesh.reporter': 'waypoint',
      'mesh.destination.service': 'details',
      'mesh.destination.namespace': 'bookinfo',
      'mesh.destination.port': 9080,
      'mesh.destination.subset': null,
      'envoy.upstream.host': '10.129.0.43:9080',
      'envoy.upstream.local_address': null,
      'destination.ip': '10.96.185.196',
      'source.ip': '10.244.0.37',
    });
  });

  it('read the service from an envoy://inbound-vip local address and the pod from envoy://inbound-pod', () => {
    const r = parse(
      '[2022-09-10T10:51:36.374Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1683 3 3 "-" "curl/7.85.0-DEV" "fe3ba798-4ace-4891-b919-c3ea924f8cb9" "productpage:9080" "envoy://inbound-pod|9080||10.244.2.9/" connect_originate envoy://internal_client_address/ envoy://inbound-vip|9080||productpage.default.svc.cluster.local/ envoy://internal_client_address/ - default',
    );
    expect(r).toMatchObject({
      'mesh.direction': 'waypoint',
      'mesh.destination.service': 'productpage',
      'mesh.destination.namespace': 'default',
      'envoy.upstream.host': '10.244.2.9:9080',
      'source.ip': null,
      'destination.ip': null,
    });
  });

  it('take the subset from the workload ztunnel reports behind the upstream address, in either order', () => {
    const ztunnel =
      '2025-01-30T12:10:14.000000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.50:40000 src.workload="waypoint-5b7c9d-x2x9q" dst.addr=10.129.0.43:15008 dst.hbone_addr=10.129.0.43:9080 dst.service="details.bookinfo.svc.cluster.local" dst.workload="details-v2-6cd6d9df6b-mddv2" dst.namespace="bookinfo" direction="inbound" bytes_sent=1 bytes_recv=1 duration="1ms"';
    // Each order with its own pod address: the book is kept across chunks, as in the offline CLI.
    const other = (l: string) => l.replaceAll('10.129.0.43', '10.129.0.44');
    for (const text of [`${WAYPOINT}\n${ztunnel}\n`, `${other(ztunnel)}\n${other(WAYPOINT)}\n`]) {
      const out = chunk(text);
      const wp = out.records.find((r) => r['mesh.reporter'] === 'waypoint')!;
      expect(wp).toMatchObject({ 'mesh.destination.workload': 'details-v2', 'mesh.destination.subset': 'v2' });
    }
  });

  it('take the subset from a configured workload map', () => {
    const p = new LineParser('auto', {
      subsets: { workloadPattern: '-(v\\d+)$', workloads: { 'reviews-canary': 'canary' } },
    });
    const r = parse(ZT_BARE.replace('helloworld-v1-77489ccb5f-pjbq5', 'reviews-canary-77489ccb5f-pjbq5'), p);
    expect(r['mesh.destination.subset']).toBe('canary');
  });
});

describe('Envoy Gateway JSON (Envoy key names)', () => {
  it('maps start_time, method, x-envoy-origin-path, user-agent, x-request-id, :authority and httproute clusters', () => {
    const r = parse(
      '{":authority":"ratings:9080","bytes_received":0,"bytes_sent":81,"connection_termination_details":null,"downstream_local_address":"10.244.1.36:9080","downstream_remote_address":"10.244.1.41:40909","duration":0,"method":"GET","protocol":"HTTP/1.1","requested_server_name":null,"response_code":503,"response_code_details":"upstream_reset_before_response_started{overflow}","response_flags":"UO","route_name":"httproute/default/ratings/rule/0/match/0/ratings","start_time":"2025-07-22T09:14:19.407Z","upstream_cluster":"httproute/default/ratings/rule/0","upstream_host":"10.244.1.37:9080","upstream_local_address":null,"upstream_transport_failure_reason":null,"user-agent":"hey/0.0.1","x-envoy-origin-path":"/ratings/0","x-envoy-upstream-service-time":null,"x-forwarded-for":"10.244.1.41","x-request-id":"f611fd0a-8b7f-4c7d-ad18-6f0f8812ac6b"}',
    );
    expect(r).toMatchObject({
      'envoy.format': 'envoy-json',
      '@timestamp': '2025-07-22T09:14:19.407Z',
      'http.request.method': 'GET',
      'url.path': '/ratings/0',
      'user_agent.original': 'hey/0.0.1',
      'http.request.id': 'f611fd0a-8b7f-4c7d-ad18-6f0f8812ac6b',
      'envoy.authority': 'ratings:9080',
      'envoy.x_forwarded_for': '10.244.1.41',
      'envoy.response_flags': ['UO'],
      'mesh.error_class': 'mesh',
      'mesh.direction': 'gateway',
      'mesh.destination.service': 'ratings',
      'mesh.destination.namespace': 'default',
      'mesh.destination.port': 9080,
      'mesh.route': 'httproute/default/ratings/rule/0/match/0/ratings',
    });
  });
});

describe('external services', () => {
  const line = (cluster: string, authority: string) =>
    `[2024-08-01T12:00:00.123Z] "GET /get HTTP/1.1" 200 - via_upstream - "-" 0 512 40 39 "-" "curl/8.5.0" "0b1d" "${authority}" "34.227.213.82:80" ${cluster} 10.244.0.5:41000 34.227.213.82:80 10.244.0.5:40998 - default`;

  it('keep a ServiceEntry host whole and mark it external', () => {
    expect(parse(line('outbound|443||www.example.com', 'www.example.com'))).toMatchObject({
      'mesh.destination.service': 'www.example.com',
      'mesh.destination.namespace': null,
      'mesh.destination.external': true,
    });
    expect(parse(line('outbound|80||httpbin.org', 'httpbin.org'))['mesh.destination.service']).toBe('httpbin.org');
    expect(parse(line('outbound|80||reviews.default.svc.cluster.local', 'reviews'))).not.toHaveProperty(
      'mesh.destination.external',
    );
  });

  it('split only hosts under the configured cluster domain', () => {
    const corp = new LineParser('auto', { clusterDomain: 'corp.internal' });
    expect(parse(line('outbound|80||reviews.default.svc.corp.internal', 'reviews'), corp)).toMatchObject({
      'mesh.destination.service': 'reviews',
      'mesh.destination.namespace': 'default',
    });
    expect(parse(line('outbound|80||reviews.default.svc.cluster.local', 'reviews'), corp)).toMatchObject({
      'mesh.destination.service': 'reviews.default.svc.cluster.local',
      'mesh.destination.external': true,
    });
  });
});

describe('sidecar lines wave 1 got wrong', () => {
  const inbound =
    '[2024-08-01T12:00:02.000Z] "GET /productpage HTTP/1.1" 200 - via_upstream - "-" 0 5293 30 29 "-" "curl/8.5.0" "1a2b" "bookinfo" "10.244.0.20:9080" inbound|9080|| 127.0.0.6:51234 10.244.0.20:9080 10.244.0.9:40000 outbound_.9080_.v1_.productpage.default.svc.cluster.local default';

  it('name an inbound hop after the service and subset of its SNI, not its authority', () => {
    for (const l of [inbound, inbound.replace('9080_.v1_.', '9080_v1_.')]) {
      expect(parse(l)).toMatchObject({
        'mesh.direction': 'inbound',
        'mesh.destination.service': 'productpage',
        'mesh.destination.namespace': 'default',
        'mesh.destination.subset': 'v1',
        'mesh.destination.port': 9080,
      });
    }
  });

  it('reject negative durations and byte counts instead of corrupting sums', () => {
    expect(reason(inbound.replace(' 5293 30 29 ', ' 5293 -30 29 '))).toBe('duration is negative: -30');
    expect(reason(inbound.replace(' 0 5293 ', ' -1 5293 '))).toBe('bytes_received is negative: -1');
    expect(reason('{"start_time":"2024-08-01T12:00:00.000Z","response_code":200,"bytes_sent":-5}')).toBe(
      'bytes_sent is negative: -5',
    );
  });

  it('unwrap stern and kubectl --prefix prefixes, keeping the pod as the source', () => {
    const out = chunk(
      [
        `productpage-v1-57ffb6658c-tgbjs istio-proxy ${inbound}`,
        `\x1b[32mshop\x1b[0m \x1b[33mproductpage-v1-57ffb6658c-tgbjs\x1b[0m \x1b[34mistio-proxy\x1b[0m ${inbound}`,
        `[pod/productpage-v1-57ffb6658c-tgbjs/istio-proxy] ${inbound}`,
        `[pod/productpage-v1-57ffb6658c-tgbjs/istio-proxy] 2024-08-01T12:00:05.000000001Z ${inbound}`,
        `ztunnel-7x9kq istio-proxy ${ZT_BARE}`,
      ].join('\n'),
    );
    expect(out.rejections).toEqual([]);
    expect(out.records.map((r) => r['mesh.source.workload'])).toEqual([
      'productpage-v1',
      'productpage-v1',
      'productpage-v1',
      'productpage-v1',
      'sleep',
    ]);
    expect(out.records[1]['mesh.source.namespace']).toBe('shop');
  });

  it('do not keep a trailing space in the route name, and read a line whose route name is cut off', () => {
    expect(parse(`${inbound.replace(/ default$/, ' reviews-v2')} `)['envoy.route_name']).toBe('reviews-v2');
    expect(parse(inbound.replace(/ default$/, ''))).toMatchObject({
      'envoy.format': 'istio-text-G/H',
      'envoy.route_name': null,
      'envoy.requested_server_name': 'outbound_.9080_.v1_.productpage.default.svc.cluster.local',
    });
  });
});

describe('the mixed fixture', () => {
  it('parses every line of testdata/ambient-mixed.log', () => {
    const text = readFileSync(new URL('./testdata/ambient-mixed.log', import.meta.url), 'utf8');
    const out = chunk(text);
    expect(out.rejections).toEqual([]);
    expect(out.records).toHaveLength(text.trim().split('\n').length);
    const formats = new Set(out.records.map((r) => r['envoy.format']));
    expect([...formats].sort()).toEqual([
      'envoy-json',
      'istio-json',
      'istio-text-G/H',
      'ztunnel-json',
      'ztunnel-legacy',
      'ztunnel-text',
    ]);
  });
});
