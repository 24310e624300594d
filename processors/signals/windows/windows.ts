import type { AccessRecord } from '../../../pipeline/records.ts';
import type { WindowsConfig } from './config.ts';
import { isClientSide, isSignalEvent } from '../../../pipeline/mesh/error-class.ts';
import { hash32Joined } from './sample.ts';
import { WindowStats } from './window.ts';
import { parseIsoMs } from '../../../pipeline/time/iso.ts';
import { Map4 } from '../keyed-map.ts';

export interface RouteKey {
  namespace: string;
  service: string;
  route: string;
  subset: string;
}

const keyString = (k: RouteKey) => `${k.namespace}\u0000${k.service}\u0000${k.route}\u0000${k.subset}`;

interface RouteSeries {
  key: RouteKey;
  /** What this process observed, per bucket start. */
  buckets: Map<number, WindowStats>;
  /** Partials other processes sent, per bucket start and source; a newer partial of a source replaces its older one. */
  remote: Map<number, Map<string, WindowStats>>;
}

/**
 * Sliding windows per (destination service, namespace, route, subset), in event-time buckets,
 * fed straight from AccessRecords. By default only the client side of an edge reports, so each
 * request counts once per edge and a 503 UO that never reached the server still counts.
 */
export class Windows {
  readonly config: WindowsConfig;
  readonly #series = new Map<string, RouteSeries>();
  /**
   * The same series by (service, route, subset, namespace), for `observe` to find a record's series
   * without building its key string. Filled on a miss from `#series` (which decides what one route
   * is and the order routes are listed in); cleared when a route is evicted.
   */
  readonly #index = new Map4<RouteSeries>();
  readonly #keepMs: number;
  #newest = -Infinity;
  /** Records left out because the route limit was reached. */
  overflow = 0;

  constructor(config: WindowsConfig, longestWindowMs: number) {
    this.config = config;
    this.#keepMs = longestWindowMs + config.bucketMs;
  }

  /** Newest event time seen (ms): the default end of a window. */
  get newest(): number {
    return this.#newest;
  }

  reports(r: AccessRecord): boolean {
    const dir = r['mesh.direction'];
    if (!isSignalEvent(r)) return false;
    if (this.config.reporter === 'both') return true;
    // A waypoint is the only L7 proxy of its hop: it reports for the server side too.
    return this.config.reporter === 'client' ? isClientSide(dir) : dir === 'inbound' || dir === 'waypoint';
  }

  /** `t` is the record's event time (epoch ms); parsed here when the caller has not. */
  observe(r: AccessRecord, t = parseIsoMs(r['@timestamp'])): boolean {
    return this.observeRoute(r, t) !== undefined;
  }

  /**
   * As `observe`; returns the route the record was counted in (the same object for as long as the
   * route is kept), or undefined when it was not counted.
   */
  observeRoute(r: AccessRecord, t: number): RouteKey | undefined {
    const service = r['mesh.destination.service'];
    if (!this.reports(r) || !service) return undefined;
    if (!Number.isFinite(t)) return undefined;
    const namespace = r['mesh.destination.namespace'] ?? '';
    const route = r['mesh.route'];
    const subset = r['mesh.destination.subset'] ?? '';
    let series = this.#index.get(service, route, subset, namespace);
    if (!series) {
      const key: RouteKey = { namespace, service, route, subset };
      series = this.#seriesFor(keyString(key), key);
      if (!series) return undefined;
      this.#index.set(service, route, subset, namespace, series);
    }
    const start = t - (t % this.config.bucketMs);
    let bucket = series.buckets.get(start);
    if (!bucket) {
      bucket = new WindowStats(this.config.sampleSize);
      series.buckets.set(start, bucket);
    }
    const ms = r['event.duration'] == null ? null : r['event.duration'] / 1e6;
    bucket.add(
      r['mesh.error_class'],
      ms,
      hash32Joined(r['http.request.id'] ?? '', r['@timestamp'], String(r['source.port'] ?? '')),
    );
    bucket.changed = true;
    this.#advance(t);
    return series.key;
  }

  /**
   * Merges a partial window that another process emitted for `start`: it replaces that source's
   * earlier partial of the same bucket (partials are cumulative per bucket and source), so a
   * redelivered or repeated partial is never counted twice.
   */
  mergePartial(key: RouteKey, start: number, source: string, stats: WindowStats): boolean {
    const ks = keyString(key);
    const series = this.#seriesFor(ks, key);
    if (!series) return false;
    if (start + this.config.bucketMs <= this.#newest - this.#keepMs) return false;
    let bySource = series.remote.get(start);
    if (!bySource) series.remote.set(start, (bySource = new Map()));
    bySource.set(source, stats);
    this.#advance(start);
    return true;
  }

  /** The local buckets changed since the last call, with their cumulative stats. */
  takeChanged(): Array<{ key: RouteKey; start: number; stats: WindowStats }> {
    const out: Array<{ key: RouteKey; start: number; stats: WindowStats }> = [];
    for (const s of this.#series.values())
      for (const [start, stats] of s.buckets) {
        if (!stats.changed) continue;
        stats.changed = false;
        out.push({ key: s.key, start, stats });
      }
    return out;
  }

  #seriesFor(ks: string, key: RouteKey): RouteSeries | undefined {
    let series = this.#series.get(ks);
    if (!series) {
      if (this.#series.size >= this.config.maxRoutes) {
        this.overflow++;
        return undefined;
      }
      series = { key, buckets: new Map(), remote: new Map() };
      this.#series.set(ks, series);
    }
    return series;
  }

  #advance(t: number): void {
    if (t > this.#newest) {
      const crossed = Math.floor(t / this.config.bucketMs) !== Math.floor(this.#newest / this.config.bucketMs);
      this.#newest = t;
      if (crossed) this.#evict(); // old buckets can only expire when time enters a new bucket
    }
  }

  #evict(): void {
    const horizon = this.#newest - this.#keepMs;
    for (const [ks, s] of this.#series) {
      for (const start of s.buckets.keys()) if (start + this.config.bucketMs <= horizon) s.buckets.delete(start);
      for (const start of s.remote.keys()) if (start + this.config.bucketMs <= horizon) s.remote.delete(start);
      if (s.buckets.size === 0 && s.remote.size === 0) {
        this.#series.delete(ks);
        this.#index.clear();
      }
    }
  }

  /** Routes matching `filter`, each with its window over [end − durationMs, end). */
  query(
    filter: (k: RouteKey) => boolean,
    durationMs: number,
    end = this.#newest + 1,
  ): Array<{ key: RouteKey; stats: WindowStats }> {
    const out: Array<{ key: RouteKey; stats: WindowStats }> = [];
    const from = end - durationMs;
    for (const s of this.#series.values()) {
      if (!filter(s.key)) continue;
      const stats = new WindowStats(this.config.sampleSize);
      let any = false;
      const first = from - (from % this.config.bucketMs);
      for (const [start, b] of s.buckets) {
        if (start >= first && start < end) {
          stats.merge(b);
          any = true;
        }
      }
      for (const [start, bySource] of s.remote) {
        if (start < first || start >= end) continue;
        for (const b of bySource.values()) stats.merge(b);
        any = true;
      }
      if (any) out.push({ key: s.key, stats });
    }
    return out;
  }

  /** Every bucket starting at or after `sinceMs`, per route. */
  *buckets(sinceMs: number): Generator<{ key: RouteKey; start: number; stats: WindowStats }> {
    for (const s of this.#series.values()) {
      const starts = new Set([...s.buckets.keys(), ...s.remote.keys()]);
      for (const start of starts) {
        if (start < sinceMs) continue;
        const local = s.buckets.get(start);
        const remote = s.remote.get(start);
        if (!remote) {
          yield { key: s.key, start, stats: local! };
          continue;
        }
        const stats = new WindowStats(this.config.sampleSize);
        if (local) stats.merge(local);
        for (const b of remote.values()) stats.merge(b);
        yield { key: s.key, start, stats };
      }
    }
  }

  keys(): RouteKey[] {
    return [...this.#series.values()].map((s) => s.key);
  }
}
