import { edgeName, type Call, type Edge } from '../calls/call.ts';
import { resolvePolicy, type BreakerConfig, type BreakerPolicy } from './config.ts';
import { CircuitBreaker, type Transition } from './machine.ts';
import { Map4 } from '../keyed-map.ts';

const NONE: readonly Transition[] = [];

/**
 * A breaker per edge (source workload → destination service route), fed by client-side calls
 * in event time. Failures are app and mesh errors; client aborts and no-route answers are not
 * the destination's fault. An edge behind a waypoint is judged on its L7 requests, not also on
 * ztunnel's L4 connections. Transitions are kept (bounded) for the API and the exporters.
 */
export class Breakers {
  readonly policy: BreakerPolicy;
  readonly #byEdge = new Map<string, { edge: Edge; breaker: CircuitBreaker }>();
  /** The same entries by (source, service, namespace, route), so a call builds no edge name; filled from `#byEdge` on a miss. */
  readonly #index = new Map4<{ edge: Edge; breaker: CircuitBreaker }>();
  readonly #events: Transition[] = [];
  readonly #maxEvents: number;

  constructor(config: BreakerConfig) {
    this.policy = resolvePolicy(config);
    this.#maxEvents = config.maxEvents;
  }

  /** One client-side call on `edge` (see `callOf`), in event time; returns the transitions it caused. */
  observe(edge: Edge, call: Call): readonly Transition[] {
    if (call.l4) return NONE;
    let entry = this.#index.get(edge.source, edge.service, edge.namespace, edge.route);
    if (!entry) {
      const name = edgeName(edge);
      entry = this.#byEdge.get(name);
      if (!entry) {
        entry = { edge, breaker: new CircuitBreaker(name, this.policy) };
        this.#byEdge.set(name, entry);
      }
      this.#index.set(edge.source, edge.service, edge.namespace, edge.route, entry);
    }
    const out = entry.breaker.observe(call.t, call.serverFault, call.durationMs);
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
