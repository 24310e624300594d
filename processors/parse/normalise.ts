import type { AccessRecord, Direction } from '../../pipeline/records.ts';
import type { Fields } from './fields.ts';
import {
  DEFAULT_CLUSTER_DOMAIN,
  parseCluster as readCluster,
  parseNodeId,
  parseSni as readSni,
  splitHost as readHost,
  workloadOf,
} from './mesh/cluster.ts';
import { cachedByName } from './mesh/name-cache.ts';
import { classifyError } from '../../pipeline/mesh/error-class.ts';
import { routeKey } from './mesh/route.ts';
import { subsetResolver } from './mesh/subset.ts';

/** Transport facts that are not in the line (ALS identifier, Fluent Bit kubernetes metadata). */
export interface LineContext {
  nodeId?: string;
  pod?: string;
  namespace?: string;
  /** True when the sender is known to be a gateway (by node id or config). */
  gateway?: boolean;
  /** The `version` label of the pod the hop goes to, when the agent's Kubernetes metadata has it. */
  destinationVersion?: string;
}

/** What the parse config says about the mesh: its cluster domain and how workloads map to subsets. */
export interface NormaliseOptions {
  clusterDomain: string;
  subsetOf: (workload: string | null) => string | null;
}

export const DEFAULT_NORMALISE: NormaliseOptions = {
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  subsetOf: subsetResolver(),
};

export class FieldError extends Error {}

const parseCluster = cachedByName(readCluster);
const parseSni = cachedByName(readSni);
const splitHost = cachedByName(readHost);

const REPORTERS: Record<Direction, AccessRecord['mesh.reporter']> = {
  waypoint: 'waypoint',
  gateway: 'gateway',
  inbound: 'sidecar',
  outbound: 'sidecar',
  passthrough: 'sidecar',
  blackhole: 'sidecar',
  unknown: null,
};

/** Envoy Gateway (and other Gateway API implementations) name clusters `httproute/<ns>/<route>/rule/<n>`. */
const ROUTE_CLUSTER = /^(?:httproute|grpcroute|tlsroute|tcproute|udproute)\/([^/]+)\/([^/]+)\//;
/** A waypoint's upstream host is an HBONE tunnel: `envoy://connect_originate/…` (or `inbound_connect_originate`). */
const TUNNEL_HOST = /^envoy:\/\/(inbound_)?connect_originate\//i;

/**
 * Turns canonical fields into an AccessRecord with ECS names and mesh meaning. Throws FieldError
 * (with the field and the value) when a value is present but impossible, e.g. a status of "abc"
 * or a negative duration.
 */
export function normalise(
  f: Fields,
  format: string,
  ctx: LineContext = {},
  opts: NormaliseOptions = DEFAULT_NORMALISE,
): AccessRecord {
  const status = count(f.response_code, 'response_code') ?? 0;
  const flags = splitFlags(f.response_flags);
  const path = str(f.path);
  const query = path === null ? -1 : path.indexOf('?');
  const method = str(f.method);
  const cluster = str(f.upstream_cluster);
  const info = parseCluster(cluster, opts.clusterDomain);
  const node = parseNodeId(ctx.nodeId);
  const upstreamRaw = str(f.upstream_host);
  const authority = str(f.authority);
  const workload = node?.pod ? workloadOf(node.pod) : ctx.pod ? workloadOf(ctx.pod) : null;
  // A waypoint shows itself by its clusters and tunnel addresses; failing that, by its node id or pod name.
  const waypoint =
    info.direction === 'waypoint' ||
    (upstreamRaw !== null && TUNNEL_HOST.test(upstreamRaw)) ||
    node?.waypoint === true ||
    (!node && workload !== null && /waypoint/.test(workload));
  // Istio marks gateways `router~` in node ids; without one, a pod named like Istio's gateway
  // deployments (istio-ingressgateway, istio-egressgateway, *-gateway) is taken for one.
  const routeCluster = cluster ? ROUTE_CLUSTER.exec(cluster) : null;
  const gateway =
    !waypoint &&
    (ctx.gateway ?? node?.gateway ?? (routeCluster !== null || (workload ? /gateway/.test(workload) : false)));

  let service = info.service;
  let namespace = info.namespace;
  let subset = info.subset;
  let external = info.external;
  if (info.direction === 'inbound' && !service) {
    // An mTLS inbound hop names its service in the SNI the client sent (subset included).
    const sni = parseSni(str(f.requested_server_name), opts.clusterDomain);
    const fromAuthority = splitHost(authority, opts.clusterDomain);
    if (sni?.service && sni.direction === 'outbound') {
      service = sni.service;
      namespace = sni.namespace;
      subset = sni.subset;
      external = sni.external;
    } else if (fromAuthority.service && !fromAuthority.external) {
      service = fromAuthority.service;
      namespace = fromAuthority.namespace ?? node?.namespace ?? ctx.namespace ?? null;
    } else {
      service = node?.pod ? workloadOf(node.pod) : null;
      namespace = node?.namespace ?? ctx.namespace ?? null;
    }
  }
  if (waypoint && !service) {
    // `envoy://inbound-vip|9080||reviews.ns.svc.cluster.local/` as the local address, else the authority.
    const vip = /^envoy:\/\/(inbound-vip\|[^/]*)\//.exec(str(f.downstream_local_address) ?? '');
    const fromVip = vip ? parseCluster(vip[1], opts.clusterDomain) : null;
    const fromAuthority = splitHost(authority, opts.clusterDomain);
    if (fromVip?.service) ({ service, namespace, external } = fromVip);
    else if (fromAuthority.service && !fromAuthority.external) {
      service = fromAuthority.service;
      namespace = fromAuthority.namespace ?? node?.namespace ?? ctx.namespace ?? null;
    }
  }
  if (routeCluster && !service) {
    // Gateway API routes send to a backend in the route's namespace unless the authority names another.
    const fromAuthority = splitHost(authority, opts.clusterDomain);
    const inCluster = fromAuthority.service && !fromAuthority.external;
    service = inCluster ? fromAuthority.service : routeCluster[2];
    namespace = (inCluster ? fromAuthority.namespace : null) ?? routeCluster[1];
  }
  // A custom waypoint format may log the destination's workload or version label (Istio's metric
  // label names); otherwise the agent's Kubernetes metadata, otherwise the workload → subset rules.
  const destinationWorkload = str(f.extras?.['destination_workload'] as string | undefined);
  const version = ctx.destinationVersion ?? str(f.extras?.['destination_version'] as string | undefined);
  if (!subset && (waypoint || version)) subset = version ?? opts.subsetOf(destinationWorkload);

  const extras = f.extras ?? {};
  const grpcStatus = extras['grpc_status'] ?? extras['resp.grpc-status'] ?? extras['trailer.grpc-status'];
  const remote = splitAddress(realAddress(str(f.downstream_remote_address)));
  const local = splitAddress(realAddress(str(f.downstream_local_address)));
  const direction: Direction = waypoint
    ? 'waypoint'
    : gateway && (info.direction === 'outbound' || (routeCluster !== null && info.direction === 'unknown'))
      ? 'gateway'
      : info.direction;
  const durationMs = count(f.duration, 'duration');

  const rec: AccessRecord = {
    '@timestamp': timestamp(f.start_time),
    'event.dataset': 'envoy.access',
    'http.request.id': str(f.request_id),
    'http.request.method': method,
    'url.original': path,
    'url.path': path === null || query === -1 ? path : path.slice(0, query),
    'url.query': path === null || query === -1 ? null : path.slice(query + 1),
    'network.protocol': str(f.protocol),
    'http.response.status_code': status,
    'event.duration': durationMs === null ? null : durationMs * 1_000_000,
    'http.request.bytes': count(f.bytes_received, 'bytes_received'),
    'http.response.bytes': count(f.bytes_sent, 'bytes_sent'),
    'user_agent.original': str(f.user_agent),
    'source.ip': remote.ip,
    'source.port': remote.port,
    'destination.ip': local.ip,
    'destination.port': local.port,
    'envoy.response_flags': flags,
    'envoy.response_code_details': str(f.response_code_details),
    'envoy.connection_termination_details': str(f.connection_termination_details),
    'envoy.upstream.cluster': cluster,
    'envoy.upstream.host': realAddress(upstreamRaw) ?? upstreamRaw,
    'envoy.upstream.local_address': realAddress(str(f.upstream_local_address)),
    'envoy.upstream.transport_failure_reason': str(f.upstream_transport_failure_reason),
    'envoy.upstream_service_time': count(f.upstream_service_time, 'upstream_service_time'),
    'envoy.route_name': str(f.route_name),
    'envoy.authority': authority,
    'envoy.requested_server_name': str(f.requested_server_name),
    'envoy.x_forwarded_for': str(f.x_forwarded_for),
    'envoy.format': format,
    'mesh.direction': direction,
    'mesh.reporter': REPORTERS[direction],
    'mesh.destination.service': service,
    'mesh.destination.namespace': namespace,
    'mesh.destination.port': info.port ?? (routeCluster ? (portOf(authority) ?? local.port) : null),
    'mesh.destination.subset': subset,
    'mesh.source.workload': workload,
    'mesh.source.namespace': node?.namespace ?? ctx.namespace ?? null,
    'mesh.route': routeKey(str(f.route_name), path, method),
    'mesh.error_class': classifyError(status, flags, grpcStatus == null ? null : String(grpcStatus)),
  };
  if (external) rec['mesh.destination.external'] = true;
  if (destinationWorkload) rec['mesh.destination.workload'] = destinationWorkload;
  for (const [k, v] of Object.entries(extras)) {
    if (v !== null && v !== undefined && v !== '-') rec[`envoy.extra.${k}`] = v;
  }
  return rec;
}

function portOf(host: string | null): number | null {
  const m = host ? /:(\d+)$/.exec(host) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Envoy internal addresses (`envoy://connect_originate/10.217.0.82:9080`) carry the real endpoint
 * after the last `/`, or nothing (`envoy://internal_client_address/`). Other values pass unchanged.
 */
export function realAddress(addr: string | null): string | null {
  if (addr === null || !addr.startsWith('envoy://')) return addr;
  // Early waypoints: `envoy://inbound-pod|9080||10.244.2.9/` names the pod and port in the cluster.
  const pod = /^envoy:\/\/inbound-pod\|(\d+)\|[^|]*\|([0-9a-fA-F:.]+)\/?$/.exec(addr);
  if (pod) return pod[2].includes(':') ? `[${pod[2]}]:${pod[1]}` : `${pod[2]}:${pod[1]}`;
  const tail = addr.slice(addr.lastIndexOf('/') + 1);
  return splitAddress(tail).ip === null ? null : tail;
}

/** `-` (text and old JSON), empty and null all mean unset. */
export function str(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined || v === '-' || v === '') return null;
  return typeof v === 'string' ? v : String(v);
}

function int(v: string | number | null | undefined, field: string): number | null {
  if (typeof v === 'number') return v;
  const s = str(v);
  if (s === null) return null;
  const negative = s.charCodeAt(0) === 45; /* - */
  const n = digits(s, negative ? 1 : 0, s.length);
  if (n === null) throw new FieldError(`${field} is not an integer: ${JSON.stringify(s)}`);
  return negative ? -n : n; // `-0` stays -0, as Number('-0') made it
}

/**
 * `s[from, to)` as a number when it is `\d+` (ASCII digits; leading zeros read as `Number` reads
 * them), else null. Every Istio text line has five to seven integer fields and three addresses: a
 * char loop and arithmetic cost a fraction of a regex test and a `Number` parse. Past 15 digits
 * the sum could round differently from `Number`, so `Number` reads those.
 */
function digits(s: string, from: number, to: number): number | null {
  if (from >= to) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return to - from > 15 ? Number(s.slice(from, to)) : n;
}

/** A count, size or duration: an integer that cannot be negative (a negative one would corrupt sums). */
function count(v: string | number | null | undefined, field: string): number | null {
  const n = int(v, field);
  if (n !== null && (n < 0 || !Number.isFinite(n))) throw new FieldError(`${field} is negative: ${n}`);
  return n;
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
  // JavaScript dates end at ±8.64e15 ms (year 275760): past that it is no time at all.
  if (Math.abs(ms) > 8.64e15) throw new FieldError(`start_time is out of range: ${JSON.stringify(s)}`);
  return new Date(ms).toISOString();
}

/** `10.0.0.1:8080`, `[::1]:80`; anything else (unix sockets, `envoy://…`) keeps no ip/port. */
export function splitAddress(addr: string | null): { ip: string | null; port: number | null } {
  if (!addr) return { ip: null, port: null };
  // What `^\[?([0-9a-fA-F:.]+?)\]?:(\d+)$` matched, in one pass (it ran three times per line): after
  // an optional `[`, an ip of hex digits, `:` and `.`, then `:port` after the ip's last `:`, or `]:port`.
  const from = addr.charCodeAt(0) === 91 /* [ */ ? 1 : 0;
  let lastColon = -1;
  let i = from;
  for (; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 58 /* : */) lastColon = i;
    else if (!((c >= 48 && c <= 57) || c === 46 || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) break;
  }
  let ipEnd = lastColon;
  if (i < addr.length) {
    // The first character outside the ip must start `]:`.
    if (addr.charCodeAt(i) !== 93 /* ] */ || addr.charCodeAt(i + 1) !== 58) return { ip: null, port: null };
    ipEnd = i;
  }
  const port = ipEnd > from ? digits(addr, ipEnd + (ipEnd === i ? 2 : 1), addr.length) : null;
  if (port === null) return { ip: null, port: null };
  return { ip: addr.slice(from, ipEnd), port };
}
