import type { CanonicalField } from '../fields.ts';

/** One `%COMMAND(arg):len%` of a format string. */
export interface Operator {
  command: string;
  arg?: string;
  maxLength?: number;
  /** The canonical field it fills, or the extras key it is kept under. */
  target: { field: CanonicalField } | { extra: string };
  /** Whether its value is a number (typed JSON renders it as one; the text pattern can be strict). */
  numeric: boolean;
}

const SIMPLE: Record<string, CanonicalField> = {
  START_TIME: 'start_time',
  PROTOCOL: 'protocol',
  RESPONSE_CODE: 'response_code',
  RESPONSE_FLAGS: 'response_flags',
  RESPONSE_FLAGS_LONG: 'response_flags',
  RESPONSE_CODE_DETAILS: 'response_code_details',
  CONNECTION_TERMINATION_DETAILS: 'connection_termination_details',
  UPSTREAM_TRANSPORT_FAILURE_REASON: 'upstream_transport_failure_reason',
  BYTES_RECEIVED: 'bytes_received',
  BYTES_SENT: 'bytes_sent',
  DURATION: 'duration',
  UPSTREAM_HOST: 'upstream_host',
  UPSTREAM_CLUSTER: 'upstream_cluster',
  UPSTREAM_CLUSTER_RAW: 'upstream_cluster',
  UPSTREAM_LOCAL_ADDRESS: 'upstream_local_address',
  DOWNSTREAM_LOCAL_ADDRESS: 'downstream_local_address',
  DOWNSTREAM_REMOTE_ADDRESS: 'downstream_remote_address',
  REQUESTED_SERVER_NAME: 'requested_server_name',
  ROUTE_NAME: 'route_name',
};

const HEADERS: Record<string, CanonicalField> = {
  ':method': 'method',
  ':path': 'path',
  'x-envoy-original-path': 'path',
  ':authority': 'authority',
  host: 'authority',
  'x-forwarded-for': 'x_forwarded_for',
  'user-agent': 'user_agent',
  'x-request-id': 'request_id',
};

const NUMERIC = new Set([
  'RESPONSE_CODE',
  'BYTES_RECEIVED',
  'BYTES_SENT',
  'DURATION',
  'REQUEST_DURATION',
  'REQUEST_TX_DURATION',
  'RESPONSE_DURATION',
  'RESPONSE_TX_DURATION',
  'UPSTREAM_REQUEST_ATTEMPT_COUNT',
  'UPSTREAM_WIRE_BYTES_SENT',
  'UPSTREAM_WIRE_BYTES_RECEIVED',
  'DOWNSTREAM_WIRE_BYTES_SENT',
  'DOWNSTREAM_WIRE_BYTES_RECEIVED',
  'UPSTREAM_HEADER_BYTES_SENT',
  'UPSTREAM_HEADER_BYTES_RECEIVED',
  'CONNECTION_ID',
  'STREAM_ID',
]);

/** Maps a parsed `%COMMAND(arg):len%` to where its value goes. */
export function resolveOperator(command: string, arg: string | undefined, maxLength: number | undefined): Operator {
  const numeric = NUMERIC.has(command);
  const base = { command, arg, maxLength, numeric };
  if (command === 'REQ' || command === 'RESP' || command === 'TRAILER') {
    const [primary = '', fallback] = (arg ?? '').toLowerCase().split('?');
    if (command === 'REQ') {
      const field = HEADERS[primary] ?? (fallback ? HEADERS[fallback] : undefined);
      if (field) return { ...base, target: { field } };
    }
    if (command === 'RESP' && primary === 'x-envoy-upstream-service-time')
      return { ...base, target: { field: 'upstream_service_time' } };
    return { ...base, target: { extra: `${command.toLowerCase()}.${primary}` } };
  }
  if (
    command === 'DYNAMIC_METADATA' ||
    command === 'FILTER_STATE' ||
    command === 'CLUSTER_METADATA' ||
    command === 'UPSTREAM_METADATA'
  ) {
    if (arg === 'istio.mixer:status') return { ...base, target: { field: 'istio_policy_status' } };
    return { ...base, target: { extra: `${command.toLowerCase()}.${(arg ?? '').replace(/:/g, '.')}` } };
  }
  const field = SIMPLE[command];
  if (field) return { ...base, target: { field } };
  return { ...base, target: { extra: command.toLowerCase() } };
}

/** Long response-flag names (`%RESPONSE_FLAGS_LONG%`) to the short ones meshlog stores. */
export const LONG_FLAGS: Record<string, string> = {
  NoHealthyUpstream: 'UH',
  UpstreamConnectionFailure: 'UF',
  UpstreamOverflow: 'UO',
  NoRouteFound: 'NR',
  UpstreamRetryLimitExceeded: 'URX',
  NoClusterFound: 'NC',
  DurationTimeout: 'DT',
  DownstreamConnectionTermination: 'DC',
  FailedLocalHealthCheck: 'LH',
  UpstreamRequestTimeout: 'UT',
  LocalReset: 'LR',
  UpstreamRemoteReset: 'UR',
  UpstreamConnectionTermination: 'UC',
  DelayInjected: 'DI',
  FaultInjected: 'FI',
  RateLimited: 'RL',
  UnauthorizedExternalService: 'UAEX',
  RateLimitServiceError: 'RLSE',
  StreamIdleTimeout: 'SI',
  InvalidEnvoyRequestHeaders: 'IH',
  DownstreamProtocolError: 'DPE',
  UpstreamMaxStreamDurationReached: 'UMSDR',
  ResponseFromCacheFilter: 'RFCF',
  NoFilterConfigFound: 'NFCF',
  UpstreamProtocolError: 'UPE',
  OverloadManagerTerminated: 'OM',
  DnsResolutionFailed: 'DF',
  DropOverload: 'DO',
  DownstreamRemoteReset: 'DR',
};
