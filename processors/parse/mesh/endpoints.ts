import type { AccessRecord } from '../../../pipeline/records.ts';
import { splitAddress } from '../normalise.ts';

interface Endpoint {
  workload: string;
  subset: string | null;
}

/**
 * Which workload sits behind a pod address, learned from ztunnel lines (`dst.hbone_addr` →
 * `dst.workload`). A waypoint line names its upstream only by address
 * (`envoy://connect_originate/10.244.0.32:9080`), so this is how its destination workload, and
 * the canary subset derived from it, are found. Bounded: the least recently seen address goes first.
 */
export class EndpointBook {
  readonly #max: number;
  readonly #byIp = new Map<string, Endpoint>();

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
    const workload = r['mesh.destination.workload'];
    const ip = splitAddress(r['mesh.destination.hbone_address'] ?? null).ip ?? r['destination.ip'];
    if (!workload || !ip || r['mesh.destination.port'] === 15008) return;
    this.#byIp.delete(ip);
    this.#byIp.set(ip, { workload, subset: r['mesh.destination.subset'] ?? null });
    if (this.#byIp.size > this.#max) this.#byIp.delete(this.#byIp.keys().next().value!);
  }

  #fill(r: AccessRecord): void {
    if (r['mesh.destination.workload'] && r['mesh.destination.subset']) return;
    const ip = splitAddress(r['envoy.upstream.host'] ?? null).ip;
    const e = ip ? this.#byIp.get(ip) : undefined;
    if (!e) return;
    r['mesh.destination.workload'] ??= e.workload;
    r['mesh.destination.subset'] ??= e.subset;
  }
}
