/**
 * The records that move through meshlog. Field names are ECS / OpenTelemetry semantic-convention
 * names written as flat dotted keys; Elasticsearch maps `a.b` exactly like `{a:{b}}`, and flat keys
 * are cheaper to build and to clone between worker threads. A missing value is absent or `null`,
 * never Envoy's `-`.
 */

/** `waypoint`: an ambient-mode waypoint's line, the only L7 reporter of its hop (it is the client of the destination pod). */
export type Direction = 'inbound' | 'outbound' | 'gateway' | 'waypoint' | 'passthrough' | 'blackhole' | 'unknown';
export type ErrorClass = 'ok' | 'app' | 'mesh' | 'client_abort' | 'no_route' | 'rate_limited';
export type JoinState = 'complete' | 'partial' | 'late';

/** One Envoy access-log entry: one hop of one request. */
export interface AccessRecord {
  '@timestamp': string;
  /** ECS dataset; tells record kinds apart wherever they travel together. */
  'event.dataset': 'envoy.access';
  'http.request.id'?: string | null;
  'http.request.method'?: string | null;
  'url.original'?: string | null;
  'url.path'?: string | null;
  'url.query'?: string | null;
  'network.protocol'?: string | null;
  'http.response.status_code': number;
  'event.duration'?: number | null;
  'http.request.bytes'?: number | null;
  'http.response.bytes'?: number | null;
  'user_agent.original'?: string | null;
  'source.ip'?: string | null;
  'source.port'?: number | null;
  'destination.ip'?: string | null;
  'destination.port'?: number | null;
  'client.ip'?: string | null;
  'trace.id'?: string | null;
  'span.id'?: string | null;
  'service.name'?: string | null;
  'envoy.response_flags': string[];
  'envoy.response_code_details'?: string | null;
  'envoy.connection_termination_details'?: string | null;
  'envoy.upstream.cluster'?: string | null;
  'envoy.upstream.host'?: string | null;
  'envoy.upstream.local_address'?: string | null;
  'envoy.upstream.transport_failure_reason'?: string | null;
  'envoy.upstream_service_time'?: number | null;
  'envoy.route_name'?: string | null;
  'envoy.authority'?: string | null;
  'envoy.requested_server_name'?: string | null;
  'envoy.x_forwarded_for'?: string | null;
  'envoy.format': string;
  'mesh.direction': Direction;
  'mesh.destination.service'?: string | null;
  'mesh.destination.namespace'?: string | null;
  'mesh.destination.port'?: number | null;
  'mesh.destination.subset'?: string | null;
  'mesh.source.workload'?: string | null;
  'mesh.source.namespace'?: string | null;
  'mesh.route': string;
  'mesh.error_class': ErrorClass;
  /** ztunnel events: connection_complete, connection_opened (debug level), connection_failed. */
  'event.action'?: string | null;
  'log.level'?: string | null;
  /** Who logged the hop: sidecar, gateway, waypoint or ztunnel (ambient L4). */
  'mesh.reporter'?: 'sidecar' | 'gateway' | 'waypoint' | 'ztunnel' | null;
  /** The destination is not under the cluster domain (ServiceEntry host): `service` holds the whole host. */
  'mesh.destination.external'?: boolean;
  'mesh.destination.workload'?: string | null;
  /** SPIFFE identities (ztunnel, mTLS only). */
  'mesh.source.identity'?: string | null;
  'mesh.destination.identity'?: string | null;
  /** ztunnel's `dst.hbone_addr`: the real target behind the HBONE port 15008 (IP:port or host:port). */
  'mesh.destination.hbone_address'?: string | null;
  'mesh.source.cluster'?: string | null;
  'mesh.destination.cluster'?: string | null;
  /** ztunnel's `error`, and its class: policy_denied, tls, connect, timeout, reset, other. */
  'error.message'?: string | null;
  'error.type'?: string | null;
  /** Business headers kept (issue 05), `labels.<name>`. */
  [label: `labels.${string}`]: string | undefined;
  /** Columns of a custom format that have no ECS home, kept verbatim. */
  [extra: `envoy.extra.${string}`]: unknown;
}

/** One span, normalised from OTLP or Zipkin. */
export interface SpanRecord {
  '@timestamp': string;
  'event.dataset': 'mesh.span';
  'trace.id': string;
  'span.id': string;
  'parent.id'?: string | null;
  'span.name': string;
  'span.kind': 'server' | 'client' | 'producer' | 'consumer' | 'internal' | 'unspecified';
  /** Nanoseconds since the epoch, as decimal strings: they exceed 2^53. */
  'span.start_ns': string;
  'span.end_ns': string;
  'event.duration': number;
  'span.status': 'unset' | 'ok' | 'error';
  'service.name'?: string | null;
  'http.request.id'?: string | null;
  'http.response.status_code'?: number | null;
  'envoy.upstream.cluster'?: string | null;
  'envoy.response_flags'?: string[];
  'mesh.source.workload'?: string | null;
  'mesh.source.namespace'?: string | null;
  attributes: Record<string, string | number | boolean>;
  [k8s: `k8s.${string}`]: string | undefined;
}

/** A hop as it appears inside a RequestDoc. */
export interface HopSummary {
  index: number;
  parent: number | null;
  '@timestamp': string;
  service: string | null;
  direction: Direction;
  route: string;
  status: number;
  flags: string[];
  'event.duration': number | null;
  error_class: ErrorClass;
  cluster: string | null;
  span_id?: string | null;
}

/** The joined view of one request id. */
export interface RequestDoc {
  '@timestamp': string;
  'event.dataset': 'meshlog.request';
  'http.request.id': string;
  'trace.id'?: string | null;
  'trace.ids'?: string[];
  'mesh.hops': HopSummary[];
  spans: SpanRecord[];
  'http.response.status_code': number | null;
  'mesh.error_class': ErrorClass;
  /** Position in `mesh.hops` of the first failing hop in call order, and its class. */
  'mesh.failed_hop'?: number | null;
  'mesh.failed_hop_error_class'?: ErrorClass | null;
  'event.duration': number | null;
  'meshlog.join.state': JoinState;
  [label: `labels.${string}`]: string | undefined;
}

/**
 * A route window partial: what one process counted for one route in one bucket, cumulative for
 * that bucket and source (a later partial of the same bucket and source replaces the earlier).
 * The signals merge partials from every source exactly; Elasticsearch keeps one document each, so
 * sums over documents are the totals.
 */
export interface WindowRecord {
  /** Bucket start. */
  '@timestamp': string;
  'event.dataset': 'meshlog.window';
  /** Route key, bucket start and source: the document id. */
  'event.id': string;
  'window.source': string;
  'window.bucket_ms': number;
  'mesh.route_key': string;
  'mesh.destination.service': string;
  'mesh.destination.namespace': string;
  'mesh.destination.subset': string;
  'mesh.route': string;
  requests: number;
  'errors.ok': number;
  'errors.app': number;
  'errors.mesh': number;
  'errors.client_abort': number;
  'errors.no_route': number;
  'errors.rate_limited': number;
  /** Server faults (app + mesh) over requests that were not client aborts, in this partial. */
  error_rate: number;
  'latency.p50': number | null;
  'latency.p90': number | null;
  'latency.p99': number | null;
  /** The mergeable latency state: DDSketch protobuf and bottom-k sample, base64. */
  'window.sketch': string;
  'window.sample': string;
}

/**
 * The client-side calls one process observed since its previous CallsRecord, for the breakers and
 * the load tracker of a `--mode signals` instance: unlike windows, a breaker depends on the order
 * of calls, so the processors send each call (compactly) and the signals replay them in event time.
 * `calls.seq` numbers a source's records; `calls.watermark` promises that the source has sent
 * every call up to that event time (epoch ms).
 */
export interface CallsRecord {
  '@timestamp': string;
  'event.dataset': 'meshlog.calls';
  'event.id': string;
  'calls.source': string;
  'calls.seq': number;
  'calls.watermark': number;
  'calls.count': number;
  /** Per edge: event times and durations (Float64, NaN = none) and flags (Uint8), base64. */
  'calls.edges': Array<{
    source: string;
    service: string;
    namespace: string;
    route: string;
    time: string;
    duration: string;
    flags: string;
  }>;
}

/** A decision the signals took: a breaker transition or a canary verdict, with its evidence. */
export interface DecisionRecord {
  '@timestamp': string;
  'event.dataset': 'meshlog.decision';
  'event.id': string;
  'decision.type': 'breaker' | 'canary';
  reason: string;
  evidence: unknown;
  [field: string]: unknown;
}

/** Every record kind that travels between components, told apart by `event.dataset`. */
export type PipelineRecord = AccessRecord | SpanRecord | RequestDoc | WindowRecord | CallsRecord | DecisionRecord;

/**
 * What a receiver hands to the pipeline before parsing: the bytes as they arrived, so the
 * expensive decode runs in the worker pool and the buffer can be transferred, not copied.
 */
export interface RawChunk {
  /** How `data` is encoded; the parse processor picks the decoder by this. */
  encoding:
    | 'lines'
    | 'als'
    | 'otlp-logs-proto'
    | 'otlp-logs-json'
    | 'otlp-traces-proto'
    | 'otlp-traces-json'
    | 'zipkin-json'
    | 'zipkin-proto';
  data: Uint8Array;
  /** Receiver name, for metrics and dead letters. */
  receiver: string;
  /** Attributes the transport knew (stream identifier, Fluent Bit tag, …). */
  context?: Record<string, string>;
}

/** What the dead-letter sink keeps: the original payload and the reason, never nothing. */
export interface DeadLetter {
  '@timestamp': string;
  component: string;
  code: string;
  reason: string;
  /** The original bytes as UTF-8 when they are valid text, base64 otherwise. */
  payload: string;
  payload_encoding: 'utf8' | 'base64';
  line?: number;
  /** Set when header redaction changed the payload: `fields` (values replaced) or `hashed` (a keyed hash kept instead). */
  redacted?: 'fields' | 'hashed';
}
