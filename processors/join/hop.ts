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

/** The interned IP of `10.0.0.1:8080` (the whole string when it has no port); pod IPs repeat across requests. */
function ipOf(addr: string | null | undefined): string | null {
  if (!addr) return null;
  const i = addr.lastIndexOf(':');
  return intern(i < 0 ? addr : addr.slice(0, i));
}

/** The port of `10.0.0.1:8080`, 0 when there is none; ports do not repeat, so they are kept apart as numbers. */
function portOf(addr: string | null | undefined): number {
  if (!addr) return 0;
  const i = addr.lastIndexOf(':');
  return i < 0 ? 0 : Number(addr.slice(i + 1)) || 0;
}

const D0 = 48; // '0'
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * Epoch ms of a record's `@timestamp`. The parser writes `YYYY-MM-DDTHH:MM:SS.sssZ`, which is read
 * digit by digit (Date.parse costs several times more and ran once per hop); anything else goes to
 * Date.parse.
 */
export function eventMs(r: AccessRecord): number {
  const t = r['@timestamp'];
  if (t.length !== 24 || t.charCodeAt(10) !== 84 || t.charCodeAt(23) !== 90 || t.charCodeAt(19) !== 46)
    return Date.parse(t);
  for (const i of DIGITS) {
    const c = t.charCodeAt(i) - D0;
    if (c < 0 || c > 9) return Date.parse(t);
  }
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58)
    return Date.parse(t);
  const d = (i: number) => t.charCodeAt(i) - D0;
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  const hour = d(11) * 10 + d(12);
  const minute = d(14) * 10 + d(15);
  const second = d(17) * 10 + d(18);
  const ms = d(20) * 100 + d(21) * 10 + d(22);
  // Out-of-range fields fall back, so an odd value is judged exactly as Date.parse judges it.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Date.parse(t);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 ? (leap ? 29 : 28) : MONTH_DAYS[month])) return Date.parse(t);
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

/** Response flags as one interned string: no join for the usual none or one. */
function flagsOf(flags: string[]): string {
  if (flags.length === 0) return '';
  return intern(flags.length === 1 ? flags[0] : flags.join(','))!;
}

export function packHop(r: AccessRecord, baseMs: number, startMs = eventMs(r)): PackedHop {
  const upLocal = r['envoy.upstream.local_address'];
  const upHost = r['envoy.upstream.host'];
  const failing = r['mesh.error_class'] !== 'ok' && r['mesh.error_class'] !== 'client_abort';
  let labels: Record<string, string> | null = null;
  for (const k in r) {
    if (k.startsWith('labels.')) (labels ??= {})[k.slice(7)] = r[k as `labels.${string}`] as string;
  }
  return [
    startMs - baseMs,
    r['event.duration'] == null ? -1 : Math.round(r['event.duration'] / 1e6),
    r['http.response.status_code'],
    flagsOf(r['envoy.response_flags']),
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
    ipOf(upLocal),
    portOf(upLocal),
    ipOf(upHost),
    portOf(upHost),
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
