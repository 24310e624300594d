import type { Call, Edge } from '../calls/call.ts';
import { Map2 } from '../keyed-map.ts';

interface Second {
  calls: number;
  busyMs: number;
}

export interface ServiceLoad {
  namespace: string;
  service: string;
  peakRps: number;
  /** Little's law per second: in-flight = arrivals × time in system = Σ durations / 1 s. */
  peakConcurrency: number;
  meanLatencyMs: number;
  /** Longest run of consecutive 5xx answers seen. */
  maxConsecutive5xx: number;
}

interface ServiceEntry {
  namespace: string;
  service: string;
  seconds: Map<number, Second>;
  calls: number;
  busyMs: number;
  run: number;
  maxRun: number;
}

/**
 * Load per destination service from client-side hops, in one-second event-time buckets over the
 * last `keepMs`: peak RPS, peak concurrency (Little's law) and mean latency.
 */
export class LoadTracker {
  readonly #keepMs: number;
  readonly #services = new Map<string, ServiceEntry>();
  /** The same entries by (namespace, service), so a call builds no key string; filled from `#services` on a miss. */
  readonly #index = new Map2<ServiceEntry>();

  constructor(keepMs = 5 * 60_000) {
    this.#keepMs = keepMs;
  }

  /** One client-side call (see `callOf`) to `edge`'s service, in event time. */
  observe(edge: Edge, call: Call): void {
    const { namespace, service } = edge;
    const t = call.t;
    let s = this.#index.get(namespace, service);
    if (!s) {
      const key = `${namespace}/${service}`;
      s = this.#services.get(key);
      if (!s)
        this.#services.set(
          key,
          (s = { namespace, service, seconds: new Map(), calls: 0, busyMs: 0, run: 0, maxRun: 0 }),
        );
      this.#index.set(namespace, service, s);
    }
    const sec = Math.floor(t / 1000);
    const ms = Math.max(0, call.durationMs ?? 0);
    let b = s.seconds.get(sec);
    if (!b) {
      s.seconds.set(sec, (b = { calls: 0, busyMs: 0 }));
      for (const k of s.seconds.keys()) if (k * 1000 < t - this.#keepMs) s.seconds.delete(k);
    }
    b.calls++;
    b.busyMs += ms;
    s.calls++;
    s.busyMs += ms;
    s.run = call.status5xx ? s.run + 1 : 0;
    s.maxRun = Math.max(s.maxRun, s.run);
  }

  services(): ServiceLoad[] {
    return [...this.#services.values()].map((s) => {
      let peakRps = 0;
      let peakConcurrency = 0;
      for (const b of s.seconds.values()) {
        peakRps = Math.max(peakRps, b.calls);
        peakConcurrency = Math.max(peakConcurrency, b.busyMs / 1000);
      }
      return {
        namespace: s.namespace,
        service: s.service,
        peakRps,
        peakConcurrency,
        meanLatencyMs: s.calls ? s.busyMs / s.calls : 0,
        maxConsecutive5xx: s.maxRun,
      };
    });
  }
}
