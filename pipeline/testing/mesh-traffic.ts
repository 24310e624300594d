/**
 * Deterministic synthetic mesh traffic for tests and benchmarks: Istio 1.9+ text access-log lines
 * of client-side (outbound) hops to `service` in `subset`, with a chosen error rate and latency.
 */
export interface TrafficSpec {
  service: string;
  namespace?: string;
  subset: string;
  route?: string;
  requests: number;
  /** Share of requests answered 503 UF (mesh error). */
  errorRate?: number;
  /** Share answered 0 DC (client abort). */
  abortRate?: number;
  /** Median latency in ms; latencies spread ±50% around it. */
  latencyMs?: number;
  startMs: number;
  /** Time between requests in ms. */
  spacingMs?: number;
  source?: string;
  seed?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function trafficLines(spec: TrafficSpec): string[] {
  const rnd = mulberry32(spec.seed ?? 1);
  const ns = spec.namespace ?? 'shop';
  const route = spec.route ?? '/items';
  const out: string[] = [];
  for (let i = 0; i < spec.requests; i++) {
    const t = new Date(spec.startMs + i * (spec.spacingMs ?? 10)).toISOString();
    const u = rnd();
    const [status, flags] =
      u < (spec.errorRate ?? 0)
        ? [503, 'UF']
        : u < (spec.errorRate ?? 0) + (spec.abortRate ?? 0)
          ? [0, 'DC']
          : [200, '-'];
    const latency = Math.max(1, Math.round((spec.latencyMs ?? 20) * (0.5 + rnd())));
    const id = `${spec.service}-${spec.subset}-${spec.seed ?? 1}-${i}`;
    const src = spec.source ?? '10.0.0.1';
    out.push(
      `[${t}] "GET ${route} HTTP/1.1" ${status} ${flags} via_upstream - "-" 0 100 ${latency} ${latency} "-" "load" "${id}" "${spec.service}:9080" "10.1.0.9:9080" outbound|9080|${spec.subset}|${spec.service}.${ns}.svc.cluster.local ${src}:${20000 + (i % 40000)} 10.96.0.9:9080 ${src}:${10000 + (i % 50000)} - -`,
    );
  }
  return out;
}
