import type { AccessRecord, Direction, ErrorClass } from '../../pipeline/records.ts';
import { parseIsoMs } from '../../pipeline/time/iso.ts';

/**
 * What the hops of one kind of call share (the same route between the same workloads, with the
 * same outcome): low-cardinality fields, interned as one object per distinct combination, so a
 * hop holds one pointer to it instead of a slot per field.
 */
export interface HopProfile {
  readonly status: number;
  /** Response flags joined by commas; '' for none. */
  readonly flags: string;
  readonly errorClass: ErrorClass;
  readonly direction: Direction;
  readonly service: string | null;
  readonly namespace: string | null;
  readonly route: string;
  readonly cluster: string | null;
  readonly subset: string | null;
  readonly sourceWorkload: string | null;
  readonly sourceNamespace: string | null;
  readonly method: string | null;
  readonly authority: string | null;
  readonly codeDetails: string | null;
}

/**
 * A buffered hop, stored compactly: what varies per hop (times as small integers relative to the
 * request's first start, addresses with their IPs interned and ports apart) plus its shared
 * profile. Every hop is built by one object literal, so all share one hidden class with in-object
 * fields: 128 B a hop, where a parsed AccessRecord object graph costs ~2 KB (bench/join).
 */
export interface PackedHop {
  start: number;
  /** ms, -1 when unknown. */
  readonly duration: number;
  readonly profile: HopProfile;
  /** downstream_remote_address: who called this proxy (IP interned, port apart). */
  readonly remoteIp: string | null;
  readonly remotePort: number;
  /** downstream_local_address: where this proxy was called. */
  readonly localIp: string | null;
  readonly localPort: number;
  /** upstream_local_address: the connection this proxy opened upstream. */
  readonly upstreamLocalIp: string | null;
  readonly upstreamLocalPort: number;
  readonly upstreamHostIp: string | null;
  readonly upstreamHostPort: number;
  /** The path for failing hops; for the others the route template (paths are unique per request and costly). */
  readonly path: string | null;
  readonly labels: Record<string, string> | null;
}

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
  if (i < 0) return 0;
  // Up to 9 plain digits read in place, no substring; anything else as Number reads it.
  const len = addr.length - i - 1;
  if (len > 0 && len <= 9) {
    let port = 0;
    let k = i + 1;
    for (; k < addr.length; k++) {
      const d = addr.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
    }
    if (k === addr.length) return port;
  }
  return Number(addr.slice(i + 1)) || 0;
}

/** Epoch ms of a record's `@timestamp` (the parser's ISO form read digit by digit). */
export function eventMs(r: AccessRecord): number {
  return parseIsoMs(r['@timestamp']);
}

/** Response flags as one string: no join for the usual none or one. */
function flagsOf(flags: string[]): string {
  return flags.length === 0 ? '' : flags.length === 1 ? flags[0] : flags.join(',');
}

/**
 * A profile's fields in the order the profile tree branches on them: the fewest distinct values
 * first, so profiles share the upper levels and a new one usually adds a map or two near the leaves.
 */
type ProfileFields = [
  direction: Direction,
  errorClass: ErrorClass,
  status: number,
  flags: string,
  method: string | null,
  codeDetails: string | null,
  namespace: string | null,
  sourceNamespace: string | null,
  service: string | null,
  subset: string | null,
  cluster: string | null,
  sourceWorkload: string | null,
  authority: string | null,
  route: string,
];
const LAST_FIELD = 13;

/** Nested maps, one level per field of ProfileFields; the last level maps to the profile. */
type ProfileTree = Map<unknown, unknown>;
const profileTree: ProfileTree = new Map();
/** Maps in the tree: ~210 B each, so the cap bounds it to ~10 MB even if every field were unique. */
let treeMaps = 1;
const MAX_TREE_MAPS = 50_000;

/**
 * The shared profile of a hop, found by walking the profile tree field by field: each step is one
 * map lookup, what interning that field alone would cost, and equal fields are the same profile.
 * Past the tree's cap, a new combination gets a profile of its own (correct, only not shared).
 */
function profileOf(r: AccessRecord): HopProfile {
  const f: ProfileFields = [
    r['mesh.direction'],
    r['mesh.error_class'],
    r['http.response.status_code'],
    flagsOf(r['envoy.response_flags']),
    r['http.request.method'] ?? null,
    r['envoy.response_code_details'] ?? null,
    r['mesh.destination.namespace'] ?? null,
    r['mesh.source.namespace'] ?? null,
    r['mesh.destination.service'] ?? null,
    r['mesh.destination.subset'] ?? null,
    r['envoy.upstream.cluster'] ?? null,
    r['mesh.source.workload'] ?? null,
    r['envoy.authority'] ?? null,
    r['mesh.route'],
  ];
  let level = profileTree;
  for (let i = 0; i < LAST_FIELD; i++) {
    const next = level.get(f[i]) as ProfileTree | undefined;
    if (next === undefined) return addProfile(f, level, i);
    level = next;
  }
  return (level.get(f[LAST_FIELD]) as HopProfile | undefined) ?? addProfile(f, level, LAST_FIELD);
}

/** A new profile of `f`, its strings interned, added below `level` (which branches on field `i`) while under the cap. */
function addProfile(f: ProfileFields, level: ProfileTree, i: number): HopProfile {
  // Interned in place: the tree's keys and the profile then share one copy of each string.
  for (let k = 0; k <= LAST_FIELD; k++) if (typeof f[k] === 'string') f[k] = intern(f[k] as string)!;
  const [
    direction,
    errorClass,
    status,
    flags,
    method,
    codeDetails,
    namespace,
    sourceNamespace,
    service,
    subset,
    cluster,
    sourceWorkload,
    authority,
    route,
  ] = f;
  const profile: HopProfile = {
    status,
    flags,
    errorClass,
    direction,
    service,
    namespace,
    route,
    cluster,
    subset,
    sourceWorkload,
    sourceNamespace,
    method,
    authority,
    codeDetails,
  };
  if (treeMaps + LAST_FIELD - i > MAX_TREE_MAPS) return profile;
  treeMaps += LAST_FIELD - i;
  for (; i < LAST_FIELD; i++) {
    const next: ProfileTree = new Map();
    level.set(f[i], next);
    level = next;
  }
  level.set(f[LAST_FIELD], profile);
  return profile;
}

/**
 * `n` as V8 keeps small integers, inside the object: a difference of two epoch-ms numbers is a
 * double, which a field would hold in a separate 16 B heap box even when it is 3. Exact: a value
 * that is not an int32 stays as it is.
 */
function small(n: number): number {
  return n === (n | 0) ? n | 0 : n;
}

export function packHop(r: AccessRecord, baseMs: number, startMs = eventMs(r)): PackedHop {
  const upLocal = r['envoy.upstream.local_address'];
  const upHost = r['envoy.upstream.host'];
  const profile = profileOf(r);
  const failing = profile.errorClass !== 'ok' && profile.errorClass !== 'client_abort';
  let labels: Record<string, string> | null = null;
  for (const k in r) {
    // The first letter first: a record has ~40 keys and a startsWith call costs more than a charCodeAt.
    if (k.charCodeAt(0) === 108 && k.startsWith('labels.'))
      (labels ??= {})[k.slice(7)] = r[k as `labels.${string}`] as string;
  }
  return {
    start: small(startMs - baseMs),
    duration: r['event.duration'] == null ? -1 : Math.round(r['event.duration'] / 1e6),
    profile,
    remoteIp: intern(r['source.ip']),
    remotePort: r['source.port'] ?? 0,
    localIp: intern(r['destination.ip']),
    localPort: r['destination.port'] ?? 0,
    upstreamLocalIp: ipOf(upLocal),
    upstreamLocalPort: portOf(upLocal),
    upstreamHostIp: ipOf(upHost),
    upstreamHostPort: portOf(upHost),
    path: failing ? (r['url.original'] ?? null) : profile.route,
    labels,
  };
}

/**
 * Whether two profiles are the same call and outcome: what duplicate detection compares (not
 * method, authority or details: two packings of one log line have them equal anyway).
 */
function sameCall(a: HopProfile, b: HopProfile): boolean {
  return (
    a === b ||
    (a.status === b.status &&
      a.flags === b.flags &&
      a.errorClass === b.errorClass &&
      a.direction === b.direction &&
      a.service === b.service &&
      a.namespace === b.namespace &&
      a.route === b.route &&
      a.cluster === b.cluster &&
      a.subset === b.subset &&
      a.sourceWorkload === b.sourceWorkload &&
      a.sourceNamespace === b.sourceNamespace)
  );
}

/** Two packings of the same log line (a re-sent hop) are duplicates. */
export function sameHop(a: PackedHop, b: PackedHop): boolean {
  return (
    a.start === b.start &&
    a.duration === b.duration &&
    a.remoteIp === b.remoteIp &&
    a.remotePort === b.remotePort &&
    a.localIp === b.localIp &&
    a.localPort === b.localPort &&
    a.upstreamLocalIp === b.upstreamLocalIp &&
    a.upstreamLocalPort === b.upstreamLocalPort &&
    a.upstreamHostIp === b.upstreamHostIp &&
    a.upstreamHostPort === b.upstreamHostPort &&
    a.path === b.path &&
    sameCall(a.profile, b.profile)
  );
}

/** Rebases a hop's start when a part with an earlier start arrives later. */
export function shiftHop(h: PackedHop, deltaMs: number): void {
  h.start = small(h.start + deltaMs);
}

/** Whether two addresses (an interned IP and a port) are the same known address. */
export function sameAddress(aIp: string | null, aPort: number, bIp: string | null, bPort: number): boolean {
  return aIp !== null && aIp === bIp && aPort === bPort;
}
