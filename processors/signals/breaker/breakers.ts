import type { AccessRecord } from '../../../pipeline/records.ts';
import { resolvePolicy, type BreakerConfig, type BreakerPolicy } from './config.ts';
import { CircuitBreaker, type Transition } from './machine.ts';

import { isClientSide, isServerFault } from '../../../pipeline/mesh/error-class.ts';

export interface Edge {
  source: string;
  service: string;
  namespace: string;
  route: string;
}

/** `source → service.namespace route`: the caller as precisely as the record allows. */
export function edgeOf(r: AccessRecord): Edge | null {
  if (!isClientSide(r['mesh.direction']) || !r['mesh.destination.service']) return null;
  // An edge behind a waypoint is judged on its L7 requests, not also on ztunnel's L4 connections.
  if (r['mesh.reporter'] === 'ztunnel') return null;
  return {
    source: r['mesh.source.workload'] ?? r['source.ip'] ?? 'unknown',
    service: r['mesh.destination.service'],
    namespace: r['mesh.destination.namespace'] ?? '',
    route: r['mesh.route'],
  };
}

export const edgeName = (e: Edge) => `${e.source} → ${e.service}${e.namespace ? `.${e.namespace}` : ''} ${e.route}`;

/**
 * A breaker per edge (source workload → destination service route), fed by client-side hops
 * in event time. Failures are app and mesh errors; client aborts and no-route answers are not
 * the destination's fault. Transitions are kept (bounded) for the API and the exporters.
 */
export class Breakers {
  readonly policy: BreakerPolicy;
  readonly #byEdge = new Map<string, { edge: Edge; breaker: CircuitBreaker }>();
  readonly #events: Transition[] = [];
  readonly #maxEvents: number;

  constructor(config: BreakerConfig) {
    this.policy = resolvePolicy(config);
    this.#maxEvents = config.maxEvents;
  }

  /** `t` is the record's event time (epoch ms), parsed once by the caller. */
  observe(r: AccessRecord, t: number): Transition[] {
    const edge = edgeOf(r);
    if (!edge) return [];
    const name = edgeName(edge);
    let entry = this.#byEdge.get(name);
    if (!entry) {
      entry = { edge, breaker: new CircuitBreaker(name, this.policy) };
      this.#byEdge.set(name, entry);
    }
    const failed = isServerFault(r['mesh.error_class']);
    const out = entry.breaker.observe(t, failed, r['event.duration'] == null ? null : r['event.duration'] / 1e6);
    for (const tr of out) {
      this.#events.push(tr);
      if (this.#events.length > this.#maxEvents) this.#events.shift();
    }
    return out;
  }

  states(): Array<{
    edge: string;
    source: string;
    service: string;
    namespace: string;
    route: string;
    state: string;
    peakFailureRate: number;
  }> {
    return [...this.#byEdge.values()].map(({ edge, breaker }) => ({
      edge: breaker.edge,
      ...edge,
      state: breaker.state,
      peakFailureRate: Math.round(breaker.peakFailureRate * 1000) / 1000,
    }));
  }

  /** Transitions at or after `since` (epoch ms), oldest first. */
  events(since = -Infinity): Transition[] {
    return this.#events.filter((e) => Date.parse(e['@timestamp']) >= since);
  }

  edges(): Array<{ edge: Edge; breaker: CircuitBreaker }> {
    return [...this.#byEdge.values()];
  }
}
