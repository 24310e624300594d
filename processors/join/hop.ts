import type { AccessRecord, Direction, ErrorClass } from '../../pipeline/records.ts';

/**
 * A buffered hop, stored compactly: one small array per hop, no keys, low-cardinality strings
 * interned (so every hop of `reviews` points at one string), times as small integers relative to
 * the request's first start. A parsed AccessRecord object graph costs ~2 KB on the heap; this
 * costs a few hundred bytes (bench/join measures it).
 */
export type PackedHop = [
  startOffsetMs: number,
  durationMs: number,
  status: number,
  flags: string,
  errorClass: ErrorClass,
  direction: Direction,
  service: string | null,
  namespace: string | null,
  route: string,
  cluster: string | null,
  subset: string | null,
  sourceWorkload: string | null,
  sourceNamespace: string | null,
  /** downstream_remote_address: who called this proxy (IP interned, port apart). */
  remoteIp: string | null,
  remotePort: number,
  /** downstream_local_address: where this proxy was called. */
  localIp: string | null,
  localPort: number,
  /** upstream_local_address: the connection this proxy opened upstream. */
  upstreamLocalIp: string | null,
  upstreamLocalPort: number,
  upstreamHostIp: string | null,
  upstreamHostPort: number,
  method: string | null,
  /** The path for failing hops; for the others the route template (paths are unique per request and costly). */
  path: string | null,
  authority: string | null,
  port: number | null,
  codeDetails: string | null,
  labels: Record<string, string> | null,
];

const interned = new Map<string, string>();
/** Shares one copy of each low-cardinality string; bounded so a flood of unique values cannot grow it. */
function intern(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size < 100_000) interned.set(s, s);
  return s;
}

/** `10.0.0.1:8080` → [interned ip, port]; pod IPs repeat across requests, ports do not. */
function split(addr: string | null | undefined): [string | null, number] {
  if (!addr) return [null, 0];
  const i = addr.lastIndexOf(':');
  if (i < 0) return [intern(addr), 0];
  return [intern(addr.slice(0, i)), Number(addr.slice(i + 1)) || 0];
}

export function eventMs(r: AccessRecord): number {
  return Date.parse(r['@timestamp']);
}

export function packHop(r: AccessRecord, baseMs: number): PackedHop {
  const [upLocalIp, upLocalPort] = split(r['envoy.upstream.local_address']);
  const [upHostIp, upHostPort] = split(r['envoy.upstream.host']);
  const failing = r['mesh.error_class'] !== 'ok' && r['mesh.error_class'] !== 'client_abort';
  let labels: Record<string, string> | null = null;
  for (const k in r) {
    if (k.startsWith('labels.')) (labels ??= {})[k.slice(7)] = r[k as `labels.${string}`] as string;
  }
  return [
    eventMs(r) - baseMs,
    r['event.duration'] == null ? -1 : Math.round(r['event.duration'] / 1e6),
    r['http.response.status_code'],
    intern(r['envoy.response_flags'].join(','))!,
    r['mesh.error_class'],
    r['mesh.direction'],
    intern(r['mesh.destination.service']),
    intern(r['mesh.destination.namespace']),
    intern(r['mesh.route'])!,
    intern(r['envoy.upstream.cluster']),
    intern(r['mesh.destination.subset']),
    intern(r['mesh.source.workload']),
    intern(r['mesh.source.namespace']),
    intern(r['source.ip']),
    r['source.port'] ?? 0,
    intern(r['destination.ip']),
    r['destination.port'] ?? 0,
    upLocalIp,
    upLocalPort,
    upHostIp,
    upHostPort,
    intern(r['http.request.method']),
    failing ? (r['url.original'] ?? null) : intern(r['mesh.route']),
    intern(r['envoy.authority']),
    r['mesh.destination.port'] ?? null,
    intern(r['envoy.response_code_details']),
    labels,
  ];
}

/** Two packings of the same log line (a re-sent hop) are duplicates. */
export function sameHop(a: PackedHop, b: PackedHop): boolean {
  for (let i = 0; i <= H.upstreamHostPort; i++) if (a[i] !== b[i]) return false;
  return a[H.path] === b[H.path];
}

/** Rebases a hop's start when a part with an earlier start arrives later. */
export function shiftHop(h: PackedHop, deltaMs: number): void {
  h[0] += deltaMs;
}

export const H = {
  start: 0,
  duration: 1,
  status: 2,
  flags: 3,
  errorClass: 4,
  direction: 5,
  service: 6,
  namespace: 7,
  route: 8,
  cluster: 9,
  subset: 10,
  sourceWorkload: 11,
  sourceNamespace: 12,
  remoteIp: 13,
  remotePort: 14,
  localIp: 15,
  localPort: 16,
  upstreamLocalIp: 17,
  upstreamLocalPort: 18,
  upstreamHostIp: 19,
  upstreamHostPort: 20,
  method: 21,
  path: 22,
  authority: 23,
  port: 24,
  codeDetails: 25,
  labels: 26,
} as const;

/** Whether two address slots (ip index, port at ip index + 1) hold the same known address. */
export function sameAddress(a: PackedHop, ai: number, b: PackedHop, bi: number): boolean {
  return a[ai] !== null && a[ai] === b[bi] && a[ai + 1] === b[bi + 1];
}
