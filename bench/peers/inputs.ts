import { protoType } from '../../pipeline/proto/load.ts';

/**
 * The peer bench's inputs, made once per run: Istio access lines in the default text format (four
 * hops per request: gateway → frontend → backend, sharing one x-request-id), Envoy-like spans, and
 * OTLP log requests carrying the lines the way Istio's envoyOtelAls provider sends them.
 */

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/**
 * Requests per millisecond of event time (PEERS_EVENT_RATE requests per second, default 2,000: a
 * busy node). The join holds a request until 5 s of event time pass without a part for it, so this
 * rate, not the send rate, sets how many requests it buffers at once.
 */
const REQUESTS_PER_MS = Number(process.env.PEERS_EVENT_RATE ?? 2000) / 1000;

/** Line `i` (hop i % 4 of request i / 4), timestamped from `baseMs` on. About 390 bytes. */
export function istioLine(i: number, baseMs: number): string {
  const req = Math.floor(i / 4);
  const hop = i % 4;
  const id = `84961386-6d84-929d-98bd-${String(req).padStart(12, '0')}`;
  const ts = new Date(baseMs + Math.floor(req / REQUESTS_PER_MS) + hop).toISOString();
  const item = req % 977;
  const failed = req % 50 === 0;
  const code = failed ? '503' : '200';
  const flags = failed ? 'UF' : '-';
  const details = failed ? 'upstream_reset_before_response_started{connection_failure}' : 'via_upstream';
  const port = 10000 + (req % 50000);
  switch (hop) {
    case 0:
      return `[${ts}] "GET /api/v1/items/${item} HTTP/1.1" ${code} ${flags} ${details} - "-" 0 512 20 19 "203.0.113.7" "${UA}" "${id}" "shop.example.com" "10.1.0.5:8080" outbound|8080||frontend.shop.svc.cluster.local 10.1.0.2:${port} 10.1.0.2:8080 203.0.113.7:5555 - -`;
    case 1:
      return `[${ts}] "GET /api/v1/items/${item} HTTP/1.1" ${code} ${flags} ${details} - "-" 0 512 18 18 "203.0.113.7" "${UA}" "${id}" "shop.example.com" "10.1.0.5:8080" inbound|8080|| 127.0.0.6:${port} 10.1.0.5:8080 10.1.0.2:${port} outbound_.8080_._.frontend.shop.svc.cluster.local default`;
    case 2:
      return `[${ts}] "GET /items/${item} HTTP/1.1" ${code} ${flags} ${details} - "-" 0 300 10 9 "-" "python-requests/2.31.0 (compatible; shop-frontend)" "${id}" "backend:9080" "10.1.0.9:9080" outbound|9080|v2|backend.shop.svc.cluster.local 10.1.0.5:${port} 10.96.0.9:9080 10.1.0.5:${port + 1} - default`;
    default:
      return `[${ts}] "GET /items/${item} HTTP/1.1" ${code} ${flags} ${details} - "-" 0 300 8 8 "-" "python-requests/2.31.0 (compatible; shop-frontend)" "${id}" "backend:9080" "10.1.0.9:9080" inbound|9080|| 127.0.0.6:${port} 10.1.0.9:9080 10.1.0.5:${port + 1} outbound_.9080_._.backend.shop.svc.cluster.local default`;
  }
}

/** `count` lines as newline-terminated bodies of `perBody` lines each. */
export function lineBodies(count: number, perBody: number, baseMs: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < count; i += perBody) {
    let text = '';
    for (let k = i; k < Math.min(count, i + perBody); k++) text += istioLine(k, baseMs) + '\n';
    bodies.push(Buffer.from(text));
  }
  return bodies;
}

/** Istio's Go regular expression for its default text format, for the Collector's regex_parser. */
export const ISTIO_TEXT_REGEX =
  '^\\[(?P<start_time>[^\\]]+)\\] "(?P<method>\\S+) (?P<path>\\S+) (?P<protocol>[^"]+)" (?P<response_code>\\d+) (?P<response_flags>\\S+) (?P<response_code_details>\\S+) (?P<connection_termination_details>\\S+) "(?P<upstream_transport_failure_reason>[^"]*)" (?P<bytes_received>\\d+) (?P<bytes_sent>\\d+) (?P<duration>\\d+) (?P<upstream_service_time>\\S+) "(?P<x_forwarded_for>[^"]*)" "(?P<user_agent>[^"]*)" "(?P<request_id>[^"]*)" "(?P<authority>[^"]*)" "(?P<upstream_host>[^"]*)" (?P<upstream_cluster>\\S+) (?P<upstream_local_address>\\S+) (?P<downstream_local_address>\\S+) (?P<downstream_remote_address>\\S+) (?P<requested_server_name>\\S+) (?P<route_name>\\S+)$';

export const SPANS_PER_REQUEST = 512;
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** One ExportTraceServiceRequest: 512 Envoy-like spans with 20 attributes each; `n` varies the ids. */
export function spansRequest(n: number): Uint8Array {
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, k) => {
    const i = n * SPANS_PER_REQUEST + k;
    return {
      traceId: Buffer.from(`${String(i).padStart(8, '0')}aaaabbbbccccddddeeeeffff`, 'hex'),
      spanId: Buffer.from(`${String(i).padStart(8, '0')}12345678`, 'hex'),
      parentSpanId: Buffer.from('0102030405060708', 'hex'),
      name: 'reviews.default.svc.cluster.local:9080/*',
      kind: 3,
      startTimeUnixNano: String(1714557600000000000n + BigInt(i) * 1000n),
      endTimeUnixNano: String(1714557600001500000n + BigInt(i) * 1000n),
      attributes: [
        kv('guid:x-request-id', `84961386-6d84-929d-98bd-${String(i).padStart(12, '0')}`),
        kv('node_id', 'sidecar~10.1.1.5~productpage-v1-6b746f74dc-9stvs.default~default.svc.cluster.local'),
        kv('upstream_cluster', 'outbound|9080|v2|reviews.default.svc.cluster.local'),
        kv('upstream_cluster.name', 'outbound|9080|v2|reviews.default.svc.cluster.local'),
        kv('http.url', `http://reviews:9080/reviews/${i % 1000}`),
        kv('http.method', 'GET'),
        kv('http.protocol', 'HTTP/1.1'),
        kv('http.status_code', i % 50 === 0 ? '503' : '200'),
        kv('response_flags', i % 50 === 0 ? 'UF' : '-'),
        kv('response_size', '295'),
        kv('request_size', '0'),
        kv('downstream_cluster', '-'),
        kv('user_agent', 'python-requests/2.31'),
        kv('peer.address', '10.1.1.5'),
        kv('component', 'proxy'),
        kv('istio.mesh_id', 'cluster.local'),
        kv('istio.canonical_service', 'productpage'),
        kv('istio.canonical_revision', 'v1'),
        kv('istio.namespace', 'default'),
        kv('istio.cluster_id', 'Kubernetes'),
      ],
    };
  });
  const t = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
  const req = {
    resourceSpans: [{ resource: { attributes: [kv('service.name', 'productpage.default')] }, scopeSpans: [{ spans }] }],
  };
  return t.encode(t.fromObject(req)).finish();
}

export const LOGS_PER_REQUEST = 512;

/** One ExportLogsServiceRequest as envoyOtelAls sends it: the text line in the body, the node id in the resource. */
export function logsRequest(n: number, baseMs: number): Uint8Array {
  const logRecords = Array.from({ length: LOGS_PER_REQUEST }, (_, k) => {
    const i = n * LOGS_PER_REQUEST + k;
    return {
      timeUnixNano: String(BigInt(baseMs) * 1_000_000n + BigInt(i)),
      body: { stringValue: istioLine(i, baseMs) },
      attributes: [kv('istio.canonical_service', 'frontend')],
    };
  });
  const t = protoType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest');
  const req = {
    resourceLogs: [
      {
        resource: {
          attributes: [
            kv('node_name', 'sidecar~10.1.0.5~frontend-v1-6b746f74dc-9stvs.shop~shop.svc.cluster.local'),
            kv('k8s.pod.name', 'frontend-v1-6b746f74dc-9stvs'),
            kv('k8s.namespace.name', 'shop'),
          ],
        },
        scopeLogs: [{ logRecords }],
      },
    ],
  };
  return t.encode(t.fromObject(req)).finish();
}
