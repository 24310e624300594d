import type { AccessRecord } from '../../pipeline/records.ts';
import type { RouteStatsConfig } from './config.ts';
import { isClientSide } from '../parse/mesh/error-class.ts';
import { hash32 } from './sample.ts';
import { WindowStats } from './window.ts';

export interface RouteKey {
  namespace: string;
  service: string;
  route: string;
  subset: string;
}

const keyString = (k: RouteKey) => `${k.namespace}\u0000${k.service}\u0000${k.route}\u0000${k.subset}`;

interface RouteSeries {
  key: RouteKey;
  buckets: Map<number, WindowStats>;
}

/**
 * Sliding windows per (destination service, namespace, route, subset), in event-time buckets,
 * fed straight from AccessRecords. By default only the client side of an edge reports, so each
 * request counts once per edge and a 503 UO that never reached the server still counts.
 */
export class RouteWindows {
  readonly config: RouteStatsConfig;
  readonly #series = new Map<string, RouteSeries>();
  readonly #keepMs: number;
  #newest = -Infinity;
  /** Records left out because the route limit was reached. */
  overflow = 0;

  constructor(config: RouteStatsConfig, longestWindowMs: number) {
    this.config = config;
    this.#keepMs = longestWindowMs + config.bucketMs;
  }

  /** Newest event time seen (ms): the default end of a window. */
  get newest(): number {
    return this.#newest;
  }

  reports(r: AccessRecord): boolean {
    const dir = r['mesh.direction'];
    if (this.config.reporter === 'both') return true;
    return this.config.reporter === 'client' ? isClientSide(dir) : dir === 'inbound';
  }

  /** `t` is the record's event time (epoch ms); parsed here when the caller has not. */
  observe(r: AccessRecord, t = Date.parse(r['@timestamp'])): boolean {
    if (!this.reports(r) || !r['mesh.destination.service']) return false;
    if (!Number.isFinite(t)) return false;
    const key: RouteKey = {
      namespace: r['mesh.destination.namespace'] ?? '',
      service: r['mesh.destination.service'],
      route: r['mesh.route'],
      subset: r['mesh.destination.subset'] ?? '',
    };
    const ks = keyString(key);
    let series = this.#series.get(ks);
    if (!series) {
      if (this.#series.size >= this.config.maxRoutes) {
        this.overflow++;
        return false;
      }
      series = { key, buckets: new Map() };
      this.#series.set(ks, series);
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
      hash32(`${r['http.request.id'] ?? ''}|${r['@timestamp']}|${r['source.port'] ?? ''}`),
    );
    if (t > this.#newest) {
      const crossed = Math.floor(t / this.config.bucketMs) !== Math.floor(this.#newest / this.config.bucketMs);
      this.#newest = t;
      if (crossed) this.#evict(); // old buckets can only expire when time enters a new bucket
    }
    return true;
  }

  #evict(): void {
    const horizon = this.#newest - this.#keepMs;
    for (const [ks, s] of this.#series) {
      for (const start of s.buckets.keys()) if (start + this.config.bucketMs <= horizon) s.buckets.delete(start);
      if (s.buckets.size === 0) this.#series.delete(ks);
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
      for (const [start, b] of s.buckets) {
        if (start >= from - (from % this.config.bucketMs) && start < end) {
          stats.merge(b);
          any = true;
        }
      }
      if (any) out.push({ key: s.key, stats });
    }
    return out;
  }

  /** Every bucket starting at or after `sinceMs`, per route. */
  *buckets(sinceMs: number): Generator<{ key: RouteKey; start: number; stats: WindowStats }> {
    for (const s of this.#series.values()) {
      for (const [start, stats] of s.buckets) if (start >= sinceMs) yield { key: s.key, start, stats };
    }
  }

  keys(): RouteKey[] {
    return [...this.#series.values()].map((s) => s.key);
  }
}
