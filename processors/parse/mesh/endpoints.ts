import type { AccessRecord } from '../../../pipeline/records.ts';
import { splitAddress } from '../normalise.ts';

interface Endpoint {
  workload: string;
  subset: string | null;
}

interface Caller {
  workload: string | null;
  namespace: string | null;
  identity: string | null;
}

/**
 * Which workload sits behind a pod address, learned from ztunnel lines (`dst.hbone_addr` →
 * `dst.workload`). A waypoint line names its upstream only by address
 * (`envoy://connect_originate/10.244.0.32:9080`), so this is how its destination workload, and
 * the canary subset derived from it, are found. The callers ztunnel saw (`src.addr` → workload,
 * namespace, SPIFFE identity) name who really called a waypoint, whose line only has the caller's
 * address. Bounded: the least recently seen address goes first.
 */
export class EndpointBook {
  readonly #max: number;
  readonly #byIp = new Map<string, Endpoint>();
  readonly #callers = new Map<string, Caller>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#byIp.size;
  }

  /** Learns from every ztunnel record of the batch first, then names the waypoint records of the same batch. */
  apply(records: AccessRecord[]): void {
    for (const r of records) if (r['mesh.reporter'] === 'ztunnel') this.#learn(r);
    for (const r of records) if (r['mesh.reporter'] === 'waypoint') this.#fill(r);
  }

  #learn(r: AccessRecord): void {
    const src = r['source.ip'];
    if (src && (r['mesh.source.workload'] || r['mesh.source.identity'])) {
      remember(this.#callers, src, this.#max, {
        workload: r['mesh.source.workload'] ?? null,
        namespace: r['mesh.source.namespace'] ?? null,
        identity: r['mesh.source.identity'] ?? null,
      });
    }
    const workload = r['mesh.destination.workload'];
    const ip = splitAddress(r['mesh.destination.hbone_address'] ?? null).ip ?? r['destination.ip'];
    if (!workload || !ip || r['mesh.destination.port'] === 15008) return;
    remember(this.#byIp, ip, this.#max, { workload, subset: r['mesh.destination.subset'] ?? null });
  }

  #fill(r: AccessRecord): void {
    const caller = r['source.ip'] ? this.#callers.get(r['source.ip']) : undefined;
    if (caller && !r['mesh.source.workload']) {
      r['mesh.source.workload'] = caller.workload;
      r['mesh.source.namespace'] = caller.namespace;
      r['mesh.source.identity'] = caller.identity;
    }
    if (r['mesh.destination.workload'] && r['mesh.destination.subset']) return;
    const ip = splitAddress(r['envoy.upstream.host'] ?? null).ip;
    const e = ip ? this.#byIp.get(ip) : undefined;
    if (!e) return;
    r['mesh.destination.workload'] ??= e.workload;
    r['mesh.destination.subset'] ??= e.subset;
  }
}

/** Insert as the newest entry; drop the oldest past `max`. */
function remember<T>(map: Map<string, T>, key: string, max: number, value: T): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
