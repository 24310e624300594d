import type { Fields } from '../fields.ts';
import { durationMs, num, timestampMs } from './values.ts';

/** ALS ResponseFlags booleans (envoy.data.accesslog.v3, camelCase) to the text codes. */
const FLAG_CODES: Record<string, string> = {
  failedLocalHealthcheck: 'LH',
  noHealthyUpstream: 'UH',
  upstreamRequestTimeout: 'UT',
  localReset: 'LR',
  upstreamRemoteReset: 'UR',
  upstreamConnectionFailure: 'UF',
  upstreamConnectionTermination: 'UC',
  upstreamOverflow: 'UO',
  noRouteFound: 'NR',
  delayInjected: 'DI',
  faultInjected: 'FI',
  rateLimited: 'RL',
  rateLimitServiceError: 'RLSE',
  downstreamConnectionTermination: 'DC',
  upstreamRetryLimitExceeded: 'URX',
  streamIdleTimeout: 'SI',
  invalidEnvoyRequestHeaders: 'IH',
  downstreamProtocolError: 'DPE',
  upstreamMaxStreamDurationReached: 'UMSDR',
  responseFromCacheFilter: 'RFCF',
  noFilterConfigFound: 'NFCF',
  durationTimeout: 'DT',
  upstreamProtocolError: 'UPE',
  noClusterFound: 'NC',
  overloadManager: 'OM',
  dnsResolutionFailure: 'DF',
  downstreamRemoteReset: 'DR',
};

const HTTP_VERSIONS: Record<string, string> = {
  HTTP10: 'HTTP/1.0',
  HTTP11: 'HTTP/1.1',
  HTTP2: 'HTTP/2',
  HTTP3: 'HTTP/3',
};

type Obj = Record<string, any>;

function address(a: Obj | undefined): string | null {
  const s = a?.socketAddress;
  if (s?.address !== undefined) {
    const host = String(s.address).includes(':') ? `[${s.address}]` : s.address;
    return s.portValue !== undefined ? `${host}:${s.portValue}` : host;
  }
  if (a?.pipe?.path) return `unix:${a.pipe.path}`;
  if (a?.envoyInternalAddress?.serverListenerName) return `envoy://${a.envoyInternalAddress.serverListenerName}`;
  return null;
}

function flags(f: Obj | undefined): string | null {
  if (!f) return null;
  const codes: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (v === true && FLAG_CODES[k]) codes.push(FLAG_CODES[k]);
  }
  if (f.unauthorizedDetails) codes.push('UAEX');
  return codes.length ? codes.join(',') : null;
}

function common(c: Obj | undefined, fields: Fields): void {
  if (!c) return;
  fields.start_time = timestampMs(c.startTime);
  fields.duration = durationMs(c.duration ?? c.timeToLastDownstreamTxByte);
  fields.downstream_remote_address = address(c.downstreamRemoteAddress);
  fields.downstream_local_address = address(c.downstreamLocalAddress);
  fields.upstream_host = address(c.upstreamRemoteAddress);
  fields.upstream_local_address = address(c.upstreamLocalAddress);
  fields.upstream_cluster = c.upstreamCluster || null;
  fields.route_name = c.routeName || null;
  fields.upstream_transport_failure_reason = c.upstreamTransportFailureReason || null;
  fields.connection_termination_details = c.connectionTerminationDetails || null;
  fields.response_flags = flags(c.responseFlags);
  if (c.tlsProperties?.tlsSniHostname) fields.requested_server_name = c.tlsProperties.tlsSniHostname;
  const extras = (fields.extras ??= {});
  if (c.upstreamRequestAttemptCount) extras.upstream_request_attempt_count = c.upstreamRequestAttemptCount;
  for (const [k, v] of Object.entries((c.customTags as Record<string, string>) ?? {})) extras[`custom_tag.${k}`] = v;
}

/** One ALS HTTPAccessLogEntry (protobufjs object) to canonical fields. */
export function httpEntryFields(e: Obj): Fields {
  const fields: Fields = {};
  common(e.commonProperties, fields);
  const req: Obj = e.request ?? {};
  const res: Obj = e.response ?? {};
  const extras = (fields.extras ??= {});
  fields.method = req.requestMethod && req.requestMethod !== 'METHOD_UNSPECIFIED' ? req.requestMethod : null;
  fields.path = req.originalPath || req.path || null;
  fields.authority = req.authority || null;
  fields.user_agent = req.userAgent || null;
  fields.x_forwarded_for = req.forwardedFor || null;
  fields.request_id = req.requestId || null;
  fields.bytes_received = num(req.requestBodyBytes) ?? 0;
  fields.bytes_sent = num(res.responseBodyBytes) ?? 0;
  fields.response_code = res.responseCode?.value ?? 0;
  fields.response_code_details = res.responseCodeDetails || null;
  fields.protocol = HTTP_VERSIONS[e.protocolVersion] ?? null;
  for (const [k, v] of Object.entries((req.requestHeaders as Record<string, string>) ?? {}))
    extras[`req.${k.toLowerCase()}`] = v;
  for (const [k, v] of Object.entries((res.responseHeaders as Record<string, string>) ?? {})) {
    if (k.toLowerCase() === 'x-envoy-upstream-service-time') fields.upstream_service_time = v;
    else extras[`resp.${k.toLowerCase()}`] = v;
  }
  for (const [k, v] of Object.entries((res.responseTrailers as Record<string, string>) ?? {}))
    extras[`trailer.${k.toLowerCase()}`] = v;
  return fields;
}

/** One ALS TCPAccessLogEntry to canonical fields: no method, status 0, connection byte counts. */
export function tcpEntryFields(e: Obj): Fields {
  const fields: Fields = {};
  common(e.commonProperties, fields);
  fields.response_code = 0;
  fields.bytes_received = num(e.connectionProperties?.receivedBytes) ?? 0;
  fields.bytes_sent = num(e.connectionProperties?.sentBytes) ?? 0;
  return fields;
}
