import { filled } from './exact-arrays.ts';
import { sameAddress, type PackedHop } from './hop.ts';

const RANK: Record<string, number> = { gateway: 0, outbound: 1, passthrough: 1, blackhole: 1, inbound: 2, unknown: 3 };
const isClient = (h: PackedHop) => h.profile.direction !== 'inbound' && h.profile.direction !== 'unknown';
const hostOf = (authority: string | null) => (authority ? authority.replace(/:\d+$/, '') : null);

/** Total order used for ties: start, then gateway/outbound before inbound, then stable text keys. */
function compare(a: PackedHop, b: PackedHop): number {
  return (
    a.start - b.start ||
    RANK[a.profile.direction] - RANK[b.profile.direction] ||
    cmp(a.profile.cluster, b.profile.cluster) ||
    cmp(a.remoteIp, b.remoteIp) ||
    a.remotePort - b.remotePort ||
    cmp(a.localIp, b.localIp) ||
    a.localPort - b.localPort ||
    cmp(a.path, b.path) ||
    a.profile.status - b.profile.status ||
    a.duration - b.duration
  );
}
const cmp = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '');

export interface CallTree {
  /** Hop indices (into the input) in call order: gateway → … → leaf, depth first. */
  order: number[];
  /** parent[i] is the input index of hop i's caller, or -1 for a root. */
  parent: number[];
}

/**
 * Whether `compare` is a strict order of these hops: every direction ranked and every number it
 * compares finite. Then every sort gives the same order. A waypoint hop has no rank, so compare
 * skips that key for its pairs only and is not transitive: only the Array sort used so far gives
 * the order such requests always had.
 */
function totallyOrdered(hops: PackedHop[]): boolean {
  for (const h of hops) {
    if (typeof RANK[h.profile.direction] !== 'number') return false;
    if (!Number.isFinite(h.start + h.remotePort + h.localPort + h.profile.status + h.duration)) return false;
  }
  return true;
}

/**
 * `sorted` (hop indices) in compare order, input order on ties: for the few hops of a request,
 * without the Array sort's work arrays (~850 B per 4-hop request) and comparator closure.
 */
function insertionSort(hops: PackedHop[], sorted: number[]): void {
  for (let i = 1; i < sorted.length; i++) {
    const x = sorted[i];
    let j = i - 1;
    for (; j >= 0 && (compare(hops[sorted[j]], hops[x]) || sorted[j] - x) > 0; j--) sorted[j + 1] = sorted[j];
    sorted[j + 1] = x;
  }
}

/** Whether making `p` the parent of `child` would close a loop in `parent`. */
function createsCycle(parent: number[], child: number, p: number): boolean {
  for (let x = p; x !== -1; x = parent[x]) if (x === child) return true;
  return false;
}

/** The first word of an authority's host (`reviews` of `reviews.default:9080`), undefined without one. */
const serviceWordOf = (authority: string | null) => hostOf(authority)?.split('.')[0];

/**
 * The caller of inbound hop `i`: the client-side hop whose upstream connection it is, by the
 * 4-tuple, else by the upstream host (started by `i`'s start, give or take the skew), else by
 * the service name; the closest start wins, the first in `sorted` on a tie. -1 when none fits.
 */
function callerOfInbound(hops: PackedHop[], sorted: number[], parent: number[], i: number, skewMs: number): number {
  const h = hops[i];
  const t = h.start;
  let best = -1;
  let bestScore = Infinity;
  for (const j of sorted) {
    const c = hops[j];
    if (!isClient(c) || !sameAddress(c.upstreamLocalIp, c.upstreamLocalPort, h.remoteIp, h.remotePort)) continue;
    const s = Math.abs(t - c.start);
    if (s < bestScore && j !== i && !createsCycle(parent, i, j)) {
      best = j;
      bestScore = s;
    }
  }
  if (best !== -1) return best;
  for (const j of sorted) {
    const c = hops[j];
    if (!isClient(c) || c.start > t + skewMs) continue;
    if (!sameAddress(c.upstreamHostIp, c.upstreamHostPort, h.localIp, h.localPort)) continue;
    const s = Math.abs(t - c.start);
    if (s < bestScore && j !== i && !createsCycle(parent, i, j)) {
      best = j;
      bestScore = s;
    }
  }
  if (best !== -1) return best;
  const svc = h.profile.service ?? serviceWordOf(h.profile.authority) ?? null;
  if (svc === null) return -1;
  for (const j of sorted) {
    const c = hops[j];
    if (!isClient(c) || c.start > t + skewMs) continue;
    if (c.profile.service !== svc && serviceWordOf(c.profile.authority) !== svc) continue;
    const s = Math.abs(t - c.start);
    if (s < bestScore && j !== i && !createsCycle(parent, i, j)) {
      best = j;
      bestScore = s;
    }
  }
  return best;
}

/**
 * The caller of client-side hop `i`: the inbound hop of the same pod (same IP) whose time span,
 * widened by the skew, holds `i`'s start; the latest such start wins, the first in `sorted` on a tie.
 */
function callerOfClient(hops: PackedHop[], sorted: number[], parent: number[], i: number, skewMs: number): number {
  const h = hops[i];
  const t = h.start;
  const podIp = h.remoteIp;
  if (podIp === null) return -1;
  let best = -1;
  let bestScore = Infinity;
  for (const k of sorted) {
    const c = hops[k];
    if (c.profile.direction !== 'inbound' || c.localIp !== podIp) continue;
    const s = c.start;
    if (s > t + skewMs || s + Math.max(c.duration, 0) + skewMs < t) continue;
    if (t - s < bestScore && k !== i && !createsCycle(parent, i, k)) {
      best = k;
      bestScore = t - s;
    }
  }
  return best;
}

/** Writes `i` and its subtree into `order` from `k`, depth first, children in `next` order from `first[i]`; returns the next free slot. */
function visit(i: number, first: number[], next: number[], order: number[], k: number): number {
  order[k++] = i;
  for (let c = first[i]; c !== -1; c = next[c]) k = visit(c, first, next, order, k);
  return k;
}

/**
 * Builds the call tree of one request's hops. A server-side (inbound) hop's caller is the
 * client-side hop whose upstream connection it is: the 4-tuple first (client's upstream local
 * address = server's downstream remote address), then the upstream host, then the service name.
 * A client-side hop's caller is the inbound hop of the same pod (same IP) whose time span holds
 * it. Ties break by the total order above, so the same hops always give the same tree.
 * Runs once per request on the main thread: plain loops over index arrays, no closures per hop.
 */
export function callTree(hops: PackedHop[], skewMs: number): CallTree {
  const n = hops.length;
  const sorted = new Array<number>(n);
  for (let i = 0; i < n; i++) sorted[i] = i;
  if (n <= 16 && totallyOrdered(hops)) insertionSort(hops, sorted);
  else if (n > 1) sorted.sort((a, b) => compare(hops[a], hops[b]) || a - b);
  const parent = filled(n, -1);
  for (const i of sorted) {
    const h = hops[i];
    if (h.profile.direction === 'inbound') parent[i] = callerOfInbound(hops, sorted, parent, i, skewMs);
    else if (isClient(h)) parent[i] = callerOfClient(hops, sorted, parent, i, skewMs);
  }

  // Children lists as links (first child, next sibling), in sorted order: built back to front.
  const first = filled(n, -1);
  const next = filled(n, -1);
  let firstRoot = -1;
  for (let k = n - 1; k >= 0; k--) {
    const i = sorted[k];
    const p = parent[i];
    if (p === -1) {
      next[i] = firstRoot;
      firstRoot = i;
    } else {
      next[i] = first[p];
      first[p] = i;
    }
  }
  const order = new Array<number>(n);
  let k = 0;
  for (let r = firstRoot; r !== -1; r = next[r]) k = visit(r, first, next, order, k);
  return { order, parent };
}
