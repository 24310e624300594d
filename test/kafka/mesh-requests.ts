import { inChunks, postUntilAccepted, requestLines, type SendStats } from './support.ts';

/**
 * One request through the mesh as meshlog's agents receive it: the caller's sidecar writes the
 * client-side (outbound) access-log line and Envoy's client span; the server's sidecar, on another
 * node and so at another agent, writes the server-side (inbound) line. All three carry the
 * request's x-request-id, the key that brings them to one processor.
 */
export interface MeshRequest {
  id: string;
  outbound: string;
  /** Null when the call never reached the server (503 UF): then the request has one hop. */
  inbound: string | null;
  /** The client span in OTLP/JSON, with the request id in Envoy's `guid:x-request-id` tag. */
  span: OtlpJsonSpan;
  /** Hops its RequestDoc must hold. */
  hops: number;
}

export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: { stringValue: string } }>;
}

/** An agent of the test topology: its http_lines and OTLP/HTTP receivers. */
export interface AgentUrls {
  lines: string;
  otlp: string;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/**
 * `n` requests to reviews v2 (5% answered 503 UF by the client's sidecar), stamped around now:
 * the outbound lines are those of `requestLines`; the inbound line and the span are built from
 * each one's time, status, latency and connection, as the server's sidecar and Envoy's tracer would.
 */
export function meshRequests(n: number, seed: number): MeshRequest[] {
  return requestLines(n, seed).map((outbound, i) => {
    // Istio's text format, split on its quotes: [0] time, [2] status and flags, [4] bytes and
    // durations, [9] request id, [14] upstream cluster and the connection's addresses.
    const q = outbound.split('"');
    const startMs = Date.parse(q[0].trim().slice(1, -1));
    const [status, flags] = q[2].trim().split(' ');
    const latencyMs = Number(q[4].trim().split(' ')[2]);
    const [cluster, upstreamLocal] = q[14].trim().split(' ');
    const id = q[9];
    const reached = flags !== 'UF';
    const serverMs = Math.max(1, latencyMs - 2);
    const inbound = reached
      ? `[${new Date(startMs + 1).toISOString()}] "GET /items HTTP/1.1" ${status} ${flags} via_upstream - "-" 0 100 ${serverMs} ${serverMs} "-" "load" "${id}" "reviews:9080" "10.1.0.9:9080" inbound|9080|| 127.0.0.6:${30000 + (i % 30000)} 10.1.0.9:9080 ${upstreamLocal} outbound_.9080_.v2_.reviews.shop.svc.cluster.local default`
      : null;
    const startNs = BigInt(startMs) * 1_000_000n;
    const span: OtlpJsonSpan = {
      traceId: hex(seed, 16) + hex(i + 1, 16),
      spanId: hex(seed * 1_000_000 + i + 1, 16),
      name: 'reviews.shop.svc.cluster.local:9080/items',
      kind: 3, // SPAN_KIND_CLIENT: Envoy's span of the outbound call
      startTimeUnixNano: String(startNs),
      endTimeUnixNano: String(startNs + BigInt(latencyMs) * 1_000_000n),
      attributes: [
        { key: 'guid:x-request-id', value: { stringValue: id } },
        { key: 'upstream_cluster', value: { stringValue: cluster } },
        { key: 'http.status_code', value: { stringValue: status } },
        { key: 'response_flags', value: { stringValue: flags } },
      ],
    };
    return { id, outbound, inbound, span, hops: reached ? 2 : 1 };
  });
}

/** An OTLP/JSON ExportTraceServiceRequest of the spans, as the caller's sidecar sends them. */
export function tracesBody(spans: OtlpJsonSpan[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'productpage.shop' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
}

/**
 * Sends the requests in chunks of `chunk` (`pauseMs` apart): for each chunk at once, the outbound
 * lines and the spans to the `client` agent and the inbound lines to the `server` agent, each
 * resent until it is answered 200. A span the agent rejects fails the test.
 */
export async function sendRequests(
  requests: MeshRequest[],
  agents: { client: AgentUrls; server: AgentUrls },
  chunk: number,
  stats: SendStats,
  pauseMs = 0,
  /** How long one POST may wait for its answer before it is counted failed and sent again. */
  timeoutMs = 10_000,
): Promise<void> {
  const lines = (ls: Array<string | null>) => ls.filter((l) => l !== null).join('\n') + '\n';
  await inChunks(requests, chunk, pauseMs, async (part) => {
    const [, , traces] = await Promise.all([
      postUntilAccepted(`${agents.client.lines}/v1/lines`, lines(part.map((r) => r.outbound)), {}, stats, timeoutMs),
      postUntilAccepted(`${agents.server.lines}/v1/lines`, lines(part.map((r) => r.inbound)), {}, stats, timeoutMs),
      postUntilAccepted(
        `${agents.client.otlp}/v1/traces`,
        tracesBody(part.map((r) => r.span)),
        { 'content-type': 'application/json' },
        stats,
        timeoutMs,
      ),
    ]);
    if (traces.includes('rejectedSpans')) throw new Error(`the agent rejected spans: ${traces}`);
  });
}
