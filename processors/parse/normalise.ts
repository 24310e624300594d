import type { AccessRecord } from '../../pipeline/records.ts';
import type { Fields } from './fields.ts';
import { parseCluster, parseNodeId, splitHost, workloadOf } from './mesh/cluster.ts';
import { classifyError } from '../../pipeline/mesh/error-class.ts';
import { routeKey } from './mesh/route.ts';

/** Transport facts that are not in the line (ALS identifier, Fluent Bit kubernetes metadata). */
export interface LineContext {
  nodeId?: string;
  pod?: string;
  namespace?: string;
  /** True when the sender is known to be a gateway (by node id or config). */
  gateway?: boolean;
}

export class FieldError extends Error {}

/**
 * Turns canonical fields into an AccessRecord with ECS names and mesh meaning. Throws FieldError
 * (with the field and the value) when a value is present but impossible, e.g. a status of "abc".
 */
export function normalise(f: Fields, format: string, ctx: LineContext = {}): AccessRecord {
  const status = int(f.response_code, 'response_code') ?? 0;
  const flags = splitFlags(f.response_flags);
  const path = str(f.path);
  const method = str(f.method);
  const cluster = str(f.upstream_cluster);
  const info = parseCluster(cluster);
  const node = parseNodeId(ctx.nodeId);
  // Istio marks gateways `router~` in node ids; without one, a pod named like Istio's gateway
  // deployments (istio-ingressgateway, istio-egressgateway, *-gateway) is taken for one.
  const gateway = ctx.gateway ?? node?.gateway ?? (ctx.pod ? /gateway/.test(workloadOf(ctx.pod)) : false);

  let service = info.service;
  let namespace = info.namespace;
  if (info.direction === 'inbound' && !service) {
    const fromAuthority = splitHost(str(f.authority));
    service = fromAuthority.service ?? (node?.pod ? workloadOf(node.pod) : null);
    namespace = fromAuthority.namespace ?? node?.namespace ?? ctx.namespace ?? null;
  }
  const extras = f.extras ?? {};
  const grpcStatus = extras['grpc_status'] ?? extras['resp.grpc-status'] ?? extras['trailer.grpc-status'];
  const remote = splitAddress(str(f.downstream_remote_address));
  const local = splitAddress(str(f.downstream_local_address));

  const rec: AccessRecord = {
    '@timestamp': timestamp(f.start_time),
    'event.dataset': 'envoy.access',
    'http.request.id': str(f.request_id),
    'http.request.method': method,
    'url.original': path,
    'url.path': path === null ? null : path.split('?', 1)[0],
    'url.query': path !== null && path.includes('?') ? path.slice(path.indexOf('?') + 1) : null,
    'network.protocol': str(f.protocol),
    'http.response.status_code': status,
    'event.duration': msToNs(int(f.duration, 'duration')),
    'http.request.bytes': int(f.bytes_received, 'bytes_received'),
    'http.response.bytes': int(f.bytes_sent, 'bytes_sent'),
    'user_agent.original': str(f.user_agent),
    'source.ip': remote.ip,
    'source.port': remote.port,
    'destination.ip': local.ip,
    'destination.port': local.port,
    'envoy.response_flags': flags,
    'envoy.response_code_details': str(f.response_code_details),
    'envoy.connection_termination_details': str(f.connection_termination_details),
    'envoy.upstream.cluster': cluster,
    'envoy.upstream.host': str(f.upstream_host),
    'envoy.upstream.local_address': str(f.upstream_local_address),
    'envoy.upstream.transport_failure_reason': str(f.upstream_transport_failure_reason),
    'envoy.upstream_service_time': int(f.upstream_service_time, 'upstream_service_time'),
    'envoy.route_name': str(f.route_name),
    'envoy.authority': str(f.authority),
    'envoy.requested_server_name': str(f.requested_server_name),
    'envoy.x_forwarded_for': str(f.x_forwarded_for),
    'envoy.format': format,
    'mesh.direction': gateway && info.direction === 'outbound' ? 'gateway' : info.direction,
    'mesh.destination.service': service,
    'mesh.destination.namespace': namespace,
    'mesh.destination.port': info.port,
    'mesh.destination.subset': info.subset,
    'mesh.source.workload': node?.pod ? workloadOf(node.pod) : ctx.pod ? workloadOf(ctx.pod) : null,
    'mesh.source.namespace': node?.namespace ?? ctx.namespace ?? null,
    'mesh.route': routeKey(str(f.route_name), path, method),
    'mesh.error_class': classifyError(status, flags, grpcStatus == null ? null : String(grpcStatus)),
  };
  for (const [k, v] of Object.entries(extras)) {
    if (v !== null && v !== undefined && v !== '-') rec[`envoy.extra.${k}`] = v;
  }
  return rec;
}

/** `-` (text and old JSON), empty and null all mean unset. */
export function str(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined || v === '-' || v === '') return null;
  return String(v);
}

function int(v: string | number | null | undefined, field: string): number | null {
  if (typeof v === 'number') return v;
  const s = str(v);
  if (s === null) return null;
  if (!/^-?\d+$/.test(s)) throw new FieldError(`${field} is not an integer: ${JSON.stringify(s)}`);
  return Number(s);
}

function msToNs(ms: number | null): number | null {
  return ms === null ? null : ms * 1_000_000;
}

export function splitFlags(v: string | number | null | undefined): string[] {
  const s = str(v);
  return s === null
    ? []
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
}

const ISO_MS = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d\.\d{3}Z$/;

/** Accepts Envoy's ISO default, other ISO-ish layouts and epoch seconds/ms (`%START_TIME(%s.%3f)%`). */
export function timestamp(v: string | number | null | undefined): string {
  const s = str(v);
  if (s === null) throw new FieldError('start_time is missing');
  if (s.length === 24 && ISO_MS.test(s)) return s; // Envoy's default rendering is already ISO-8601 UTC with ms
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    ms = n > 1e14 ? n / 1000 : n > 1e11 ? n : n * 1000; // µs, ms or s since the epoch
  } else {
    ms = Date.parse(s);
  }
  if (!Number.isFinite(ms)) throw new FieldError(`start_time is not a time: ${JSON.stringify(s)}`);
  return new Date(ms).toISOString();
}

/** `10.0.0.1:8080`, `[::1]:80`; anything else (unix sockets, `envoy://…`) keeps no ip/port. */
export function splitAddress(addr: string | null): { ip: string | null; port: number | null } {
  if (!addr) return { ip: null, port: null };
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$/.exec(addr);
  if (!m) return { ip: null, port: null };
  return { ip: m[1], port: Number(m[2]) };
}
