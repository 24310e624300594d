/**
 * Builds test/fuzz/seeds/*.json from real data. Run once after ../shared/realdata changes:
 *   node test/fuzz/make-seeds.ts
 * Each seed file names where its inputs came from. The fuzz runs read only the files written here,
 * never ../shared.
 */
import { encode, ExtData } from '@msgpack/msgpack';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { protoType } from '../../pipeline/proto/load.ts';
import { renderText } from '../../processors/parse/envoy-format/render.ts';
import { ISTIO_TEXT_FORMATS } from '../../processors/parse/envoy-format/istio-formats.ts';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { encodeSeeds, type SeedFile } from './seeds.ts';

const shared = new URL('../../../shared/realdata/', import.meta.url);
const out = new URL('./seeds/', import.meta.url);
const NDJSON = 'istio-json-customformat-ssup2.ndjson';
const TEMPO = 'otlp-trace-kiali-bookinfo-tempo.json';
const FROM_NDJSON = `../shared/realdata/${NDJSON} (ssup2/blog-software, see its README)`;
const FROM_TEMPO = `../shared/realdata/${TEMPO} (kiali/kiali tracing/tracingtest/responseTrace.json, see its README)`;

const jsonLines = readFileSync(new URL(NDJSON, shared), 'utf8').split('\n').filter(Boolean);
const objects = jsonLines.flatMap((l) => {
  try {
    return [JSON.parse(l) as Record<string, string>];
  } catch {
    return []; // line 10 is not valid JSON as found; it stays a seed of istio-json as it is
  }
});
const tempo = JSON.parse(readFileSync(new URL(TEMPO, shared), 'utf8')) as { batches: Record<string, any>[] };

// The A–H examples of processors/parse/formats.test.ts (from Istio and Envoy documentation).
const formatExamples = [
  ...readFileSync(new URL('../../processors/parse/formats.test.ts', import.meta.url), 'utf8').matchAll(
    /^\s+[A-H]: '(\[.*)',$/gm,
  ),
].map((m) => m[1]);

/** The real JSON objects rendered through every Istio text format, as a sidecar would log them. */
const textLines = [
  ...formatExamples,
  ...objects.slice(0, 40).flatMap((o, i) => {
    const f = ISTIO_TEXT_FORMATS[i % ISTIO_TEXT_FORMATS.length];
    return [renderText(f.format, o)];
  }),
  ...trafficLines({ service: 'reviews', subset: 'v2', requests: 4, startMs: 1714557600000, errorRate: 0.5 }),
];

const enc = new TextEncoder();
const text = (lines: string[]) => lines.map((l) => enc.encode(l));
function write(name: string, provenance: string, inputs: Uint8Array[]): void {
  const file: SeedFile = { provenance, inputs: encodeSeeds(inputs) };
  writeFileSync(new URL(`${name}.json`, out), JSON.stringify(file, null, 1) + '\n');
}

write(
  'istio-text',
  `Istio text lines: the A–H examples in processors/parse/formats.test.ts; objects of ${FROM_NDJSON} rendered through each Istio format by renderText; pipeline/testing/mesh-traffic.ts lines`,
  text(textLines),
);
write('istio-json', `Every line of ${FROM_NDJSON}, as found`, text(jsonLines));

const customFormats = [
  ...ISTIO_TEXT_FORMATS.map((f) => f.format),
  '%START_TIME(%Y-%m-%dT%H:%M:%S)% %REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %DURATION% %REQ(X-REQUEST-ID)%',
  '[%START_TIME%] %RESPONSE_CODE% %RESPONSE_FLAGS_LONG% "%REQ(USER-AGENT):20%" %UPSTREAM_CLUSTER_RAW%',
  '{"start_time":"%START_TIME%","method":"%REQ(:METHOD)%","code":"%RESPONSE_CODE%","id":"%REQ(X-REQUEST-ID)%"}',
];
write(
  'format-string',
  `A format string, a newline, then a line in that format: Istio's formats (istio-formats.ts) and custom ones, lines rendered from ${FROM_NDJSON}`,
  customFormats.flatMap((f, i) =>
    objects.slice(i * 3, i * 3 + 3).map((o) => {
      const line = f.startsWith('{')
        ? JSON.stringify({ start_time: o.start_time, method: o.method, code: o.response_code, id: o.request_id })
        : renderText(f, { ...o, start_time: f.includes('%START_TIME(') ? '2025-12-14T15:04:12' : o.start_time });
      return enc.encode(`${f}\n${line}`);
    }),
  ),
);

// CRI, docker json-file, kubectl --timestamps and Fluent Bit wrappings of real lines.
const stamp = '2025-12-14T15:04:12.558000000Z';
const kube = { pod_name: 'productpage-v1-6b746f74dc-9stvs', namespace_name: 'bookinfo' };
const wrapped = [...textLines.slice(0, 12), ...jsonLines.slice(0, 12)].flatMap((l) => {
  const mid = Math.floor(l.length / 2);
  return [
    `${stamp} stdout F ${l}`,
    `${stamp} stdout P ${l.slice(0, mid)}\n${stamp} stdout F ${l.slice(mid)}`,
    `${stamp} ${l}`,
    JSON.stringify({ log: `${l}\n`, stream: 'stdout', time: stamp }),
    JSON.stringify({ log: `${stamp} stdout F ${l}`, kubernetes: kube }),
  ];
});
write(
  'cri-lines',
  `Newline-separated chunks: lines of istio-text and istio-json seeds (${FROM_NDJSON}) wrapped as CRI F and P+F, kubectl --timestamps, docker json-file and Fluent Bit records`,
  [...text(wrapped), enc.encode(wrapped.slice(0, 6).join('\n'))],
);

// Fluent forward messages, each mode, carrying Fluent Bit records of real lines.
const eventTime = (s: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, s);
  return new ExtData(0, b);
};
const fbRecords = [...jsonLines.slice(0, 6), ...textLines.slice(0, 6)].map((l) => ({
  log: `${l}\n`,
  kubernetes: kube,
}));
const t0 = 1765724652;
const entries = fbRecords.map((r, i) => [i % 2 ? t0 : eventTime(t0), r]);
const packed = Buffer.concat(entries.map((e) => encode(e)));
const forward = [
  ...fbRecords.map((r) => encode(['kube.var.log', t0, r])),
  encode(['kube.var.log', entries.slice(0, 4), { chunk: 'c2VlZA==' }]),
  encode(['kube.var.log', packed, { size: entries.length }]),
  encode(['kube.var.log', gzipSync(packed), { compressed: 'gzip', chunk: 'Z3o=' }]),
  encode(['kube.var.log', [[[eventTime(t0), {}], fbRecords[0]]]]),
].map((b) => new Uint8Array(b));
write(
  'fluent-forward',
  `msgpack forward messages (Message, Forward, PackedForward, CompressedPackedForward, Fluent Bit 2 metadata) whose records carry lines of ${FROM_NDJSON} and istio-text seeds`,
  forward,
);
write(
  'fluentbit-http',
  `Bodies of Fluent Bit's http output (first byte: 0 msgpack, 1 json, 2 json_lines) with records of ${FROM_NDJSON}`,
  [
    new Uint8Array([0, ...packed]),
    new Uint8Array([0, ...encode(entries.slice(0, 2).map((e) => [t0, e[1]]))]),
    new Uint8Array([1, ...enc.encode(JSON.stringify(fbRecords.slice(0, 4)))]),
    new Uint8Array([2, ...enc.encode(fbRecords.map((r) => JSON.stringify(r)).join('\n'))]),
  ],
);

// Envoy ALS: the real objects as HTTP entries, plus TCP entries.
const ALS = protoType('envoy.service.accesslog.v3.StreamAccessLogsMessage');
const addr = (hp: string) => {
  const i = hp.lastIndexOf(':');
  return i > 0 ? { socketAddress: { address: hp.slice(0, i), portValue: Number(hp.slice(i + 1)) || 0 } } : undefined;
};
const val = (v: string | undefined) => (v === undefined || v === '-' ? undefined : v);
const alsEntry = (o: Record<string, string>) => {
  const ms = Date.parse(o.start_time);
  return {
    commonProperties: {
      startTime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
      duration: { seconds: 0, nanos: (Number(o.duration) || 0) * 1e6 },
      downstreamRemoteAddress: val(o.downstream_remote_address) && addr(o.downstream_remote_address),
      downstreamLocalAddress: val(o.downstream_local_address) && addr(o.downstream_local_address),
      upstreamRemoteAddress: val(o.upstream_host) && addr(o.upstream_host),
      upstreamCluster: val(o.upstream_cluster),
      routeName: val(o.route_name),
      responseFlags: o.response_flags?.includes('UO') ? { upstreamOverflow: true } : {},
    },
    protocolVersion: o.protocol === 'HTTP/2' ? 'HTTP2' : 'HTTP11',
    request: {
      requestMethod: val(o.method) ?? 'GET',
      path: val(o.path),
      authority: val(o.authority),
      requestId: val(o.request_id),
      userAgent: val(o.user_agent),
      requestHeaders: { 'x-b3-sampled': '0' },
    },
    response: {
      responseCode: { value: Number(o.response_code) || 0 },
      responseBodyBytes: Number(o.bytes_sent) || 0,
      responseCodeDetails: val(o.response_code_details),
      responseHeaders: { 'x-envoy-upstream-service-time': '6' },
    },
  };
};
const pb = (type: ReturnType<typeof protoType>, o: Record<string, unknown>) =>
  new Uint8Array(type.encode(type.fromObject(o)).finish());
write('envoy-als', `StreamAccessLogsMessage protobuf: ${FROM_NDJSON} objects as HTTP entries, and TCP entries`, [
  pb(ALS, {
    identifier: { node: { id: 'sidecar~10.244.1.4~mock-server-1.default~default.svc.cluster.local' }, logName: 'als' },
    httpLogs: { logEntry: objects.slice(0, 3).map(alsEntry) },
  }),
  ...objects.slice(3, 20).map((o) => pb(ALS, { httpLogs: { logEntry: [alsEntry(o)] } })),
  pb(ALS, {
    tcpLogs: {
      logEntry: [
        {
          commonProperties: {
            startTime: { seconds: t0 },
            upstreamCluster: 'outbound|3306||mysql.db.svc.cluster.local',
          },
          connectionProperties: { receivedBytes: 100, sentBytes: 2000 },
        },
      ],
    },
  }),
]);

// OTLP logs: Istio's envoyOtelAls sends the formatted line as the body.
const LOGS = protoType('opentelemetry.proto.logs.v1.ExportLogsServiceRequest');
const logsReq = (lines: string[]) => ({
  resourceLogs: [
    {
      resource: { attributes: [{ key: 'node_name', value: { stringValue: 'sidecar~10.244.1.4~x-1.default~d' } }] },
      scopeLogs: [
        { logRecords: lines.map((l) => ({ timeUnixNano: '1765724652558000000', body: { stringValue: l } })) },
      ],
    },
  ],
});
const logLines = [...jsonLines.slice(0, 10), ...textLines.slice(0, 10)];
write(
  'otlp-logs-proto',
  `ExportLogsServiceRequest protobuf whose bodies are lines of ${FROM_NDJSON} and istio-text seeds`,
  logLines.map((_, i) => pb(LOGS, logsReq(logLines.slice(i, i + 2)))),
);
write(
  'otlp-logs-json',
  `ExportLogsServiceRequest as OTLP JSON whose bodies are lines of ${FROM_NDJSON} and istio-text seeds`,
  logLines.map((_, i) => enc.encode(JSON.stringify(logsReq(logLines.slice(i, i + 2))))),
);

// OTLP traces: the real Tempo response, whole and one batch at a time, as JSON and protobuf.
const TRACES = protoType('opentelemetry.proto.trace.v1.ExportTraceServiceRequest');
const b64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64') : undefined);
const asProto = (batches: Record<string, any>[]) => ({
  resourceSpans: batches.map((b) => ({
    ...b,
    scopeSpans: b.scopeSpans.map((ss: Record<string, any>) => ({
      ...ss,
      spans: ss.spans.map((s: Record<string, any>) => ({
        ...s,
        traceId: b64(s.traceId),
        spanId: b64(s.spanId),
        parentSpanId: b64(s.parentSpanId),
      })),
    })),
  })),
});
write(
  'otlp-traces-json',
  `${FROM_TEMPO}: whole, and each batch alone, as OTLP JSON`,
  [tempo, ...tempo.batches.map((b) => ({ resourceSpans: [b] }))].map((d) => enc.encode(JSON.stringify(d))),
);
write(
  'otlp-traces-proto',
  `${FROM_TEMPO}: whole, and each batch alone, as ExportTraceServiceRequest protobuf`,
  [tempo.batches, ...tempo.batches.map((b) => [b])].map((bs) => pb(TRACES, asProto(bs))),
);

// Zipkin v2: the same spans as Envoy's Zipkin tracer reports them.
const zipkinSpans = tempo.batches.flatMap((b) =>
  b.scopeSpans.flatMap((ss: Record<string, any>) =>
    ss.spans.map((s: Record<string, any>) => {
      const tags: Record<string, string> = {};
      for (const a of s.attributes ?? []) tags[a.key] = String(Object.values(a.value ?? {})[0] ?? '');
      const start = BigInt(s.startTimeUnixNano) / 1000n;
      const end = BigInt(s.endTimeUnixNano) / 1000n;
      return {
        traceId: b64(s.traceId)!.toString('hex'),
        id: b64(s.spanId)!.toString('hex'),
        ...(s.parentSpanId ? { parentId: b64(s.parentSpanId)!.toString('hex') } : {}),
        kind: String(s.kind).replace('SPAN_KIND_', ''),
        name: s.name,
        timestamp: Number(start),
        duration: Number(end - start),
        localEndpoint: { serviceName: b.resource.attributes[0].value.stringValue },
        tags,
      };
    }),
  ),
);
write(
  'zipkin-json',
  `${FROM_TEMPO} spans turned into Zipkin v2 JSON (hex ids, microsecond times, attributes as tags): all, and one at a time`,
  [zipkinSpans, ...zipkinSpans.map((s) => [s])].map((l) => enc.encode(JSON.stringify(l))),
);
const ZIPKIN = protoType('zipkin.proto3.ListOfSpans');
const zipkinProto = (l: typeof zipkinSpans) => ({
  spans: l.map((s) => ({
    ...s,
    traceId: Buffer.from(s.traceId, 'hex'),
    id: Buffer.from(s.id, 'hex'),
    parentId: s.parentId ? Buffer.from(s.parentId, 'hex') : undefined,
  })),
});
write(
  'zipkin-proto',
  `${FROM_TEMPO} spans turned into Zipkin proto3 ListOfSpans: all, and one at a time`,
  [zipkinSpans, ...zipkinSpans.map((s) => [s])].map((l) => pb(ZIPKIN, zipkinProto(l))),
);
