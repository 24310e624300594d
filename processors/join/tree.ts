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
 * Builds the call tree of one request's hops. A server-side (inbound) hop's caller is the
 * client-side hop whose upstream connection it is: the 4-tuple first (client's upstream local
 * address = server's downstream remote address), then the upstream host, then the service name.
 * A client-side hop's caller is the inbound hop of the same pod (same IP) whose time span holds
 * it. Ties break by the total order above, so the same hops always give the same tree.
 */
export function callTree(hops: PackedHop[], skewMs: number): CallTree {
  const n = hops.length;
  const sorted = Array.from({ length: n }, (_, i) => i).sort((a, b) => compare(hops[a], hops[b]) || a - b);
  const parent = new Array<number>(n).fill(-1);
  const createsCycle = (child: number, p: number) => {
    for (let x = p; x !== -1; x = parent[x]) if (x === child) return true;
    return false;
  };
  const pick = (i: number, candidates: number[], score: (j: number) => number) => {
    let best = -1;
    let bestScore = Infinity;
    for (const j of candidates) {
      if (j === i || createsCycle(i, j)) continue;
      const s = score(j);
      if (s < bestScore) {
        best = j;
        bestScore = s;
      }
    }
    return best;
  };

  for (const i of sorted) {
    const h = hops[i];
    const t = h.start;
    if (h.profile.direction === 'inbound') {
      const clients = sorted.filter((j) => isClient(hops[j]));
      const before = (j: number) => hops[j].start <= t + skewMs;
      const closeness = (j: number) => Math.abs(t - hops[j].start);
      let p = pick(
        i,
        clients.filter((j) =>
          sameAddress(hops[j].upstreamLocalIp, hops[j].upstreamLocalPort, h.remoteIp, h.remotePort),
        ),
        closeness,
      );
      if (p === -1)
        p = pick(
          i,
          clients.filter(
            (j) => sameAddress(hops[j].upstreamHostIp, hops[j].upstreamHostPort, h.localIp, h.localPort) && before(j),
          ),
          closeness,
        );
      if (p === -1) {
        const svc = h.profile.service ?? hostOf(h.profile.authority)?.split('.')[0] ?? null;
        p = pick(
          i,
          clients.filter(
            (j) =>
              svc !== null &&
              (hops[j].profile.service === svc || hostOf(hops[j].profile.authority)?.split('.')[0] === svc) &&
              before(j),
          ),
          closeness,
        );
      }
      parent[i] = p;
    } else if (isClient(h)) {
      const podIp = h.remoteIp;
      const holds = (k: number) => {
        const s = hops[k].start;
        const d = Math.max(hops[k].duration, 0);
        return s <= t + skewMs && s + d + skewMs >= t;
      };
      const inbound = sorted.filter(
        (k) => hops[k].profile.direction === 'inbound' && podIp !== null && hops[k].localIp === podIp && holds(k),
      );
      parent[i] = pick(i, inbound, (k) => t - hops[k].start);
    }
  }

  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const i of sorted) {
    if (parent[i] === -1) roots.push(i);
    else children.set(parent[i], [...(children.get(parent[i]) ?? []), i]);
  }
  const order: number[] = [];
  const visit = (i: number) => {
    order.push(i);
    for (const c of children.get(i) ?? []) visit(c);
  };
  for (const r of roots) visit(r);
  return { order, parent };
}
