import type { Breakers } from '../breaker/breakers.ts';
import type { RecommendConfig } from './config.ts';
import type { LoadTracker, ServiceLoad } from './load.ts';

export interface Recommendation {
  kind: 'DestinationRule' | 'EnvoyFilter';
  service: string;
  namespace: string;
  reason: string;
  resource: Record<string, unknown>;
}

const host = (l: { service: string; namespace: string }) =>
  l.namespace ? `${l.service}.${l.namespace}.svc.cluster.local` : l.service;

function destinationRule(l: ServiceLoad, cfg: RecommendConfig, reason: string): Recommendation {
  const inFlight = Math.max(10, Math.ceil(l.peakConcurrency * cfg.headroom));
  return {
    kind: 'DestinationRule',
    service: l.service,
    namespace: l.namespace,
    reason,
    resource: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: {
        name: `${l.service}-meshlog`,
        ...(l.namespace ? { namespace: l.namespace } : {}),
        annotations: { 'meshlog.io/reason': reason },
      },
      spec: {
        host: host(l),
        trafficPolicy: {
          connectionPool: {
            tcp: { maxConnections: inFlight },
            http: {
              http1MaxPendingRequests: Math.max(10, Math.ceil(inFlight / 2)),
              http2MaxRequests: inFlight,
              maxRequestsPerConnection: 0,
            },
          },
          outlierDetection: {
            // Eject a host after a run shorter than the longest seen, so the next such run is cut short.
            consecutive5xxErrors: Math.max(3, Math.min(5, l.maxConsecutive5xx)),
            interval: '10s',
            baseEjectionTime: '30s',
            maxEjectionPercent: 50,
          },
        },
      },
    },
  };
}

function localRateLimit(l: ServiceLoad, limit: number, concurrency: number): Recommendation {
  // Little's law again: the largest sustainable rate is limit / latency; keep 10% spare.
  const tokens = Math.max(1, Math.floor((0.9 * limit) / Math.max(l.meanLatencyMs / 1000, 0.001)));
  const reason = `concurrency ${concurrency.toFixed(1)} (peak ${l.peakRps} rps × ${l.meanLatencyMs.toFixed(1)} ms) is ${Math.round((100 * concurrency) / limit)}% of its limit ${limit}`;
  return {
    kind: 'EnvoyFilter',
    service: l.service,
    namespace: l.namespace,
    reason,
    resource: {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: {
        name: `${l.service}-local-ratelimit`,
        ...(l.namespace ? { namespace: l.namespace } : {}),
        annotations: { 'meshlog.io/reason': reason },
      },
      spec: {
        workloadSelector: { labels: { app: l.service } },
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            match: {
              context: 'SIDECAR_INBOUND',
              listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } },
            },
            patch: {
              operation: 'INSERT_BEFORE',
              value: {
                name: 'envoy.filters.http.local_ratelimit',
                typed_config: {
                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                  type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
                  value: {
                    stat_prefix: 'http_local_rate_limiter',
                    token_bucket: { max_tokens: tokens, tokens_per_fill: tokens, fill_interval: '1s' },
                    filter_enabled: {
                      runtime_key: 'local_rate_limit_enabled',
                      default_value: { numerator: 100, denominator: 'HUNDRED' },
                    },
                    filter_enforced: {
                      runtime_key: 'local_rate_limit_enforced',
                      default_value: { numerator: 100, denominator: 'HUNDRED' },
                    },
                    response_headers_to_add: [
                      {
                        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
                        header: { key: 'x-local-rate-limit', value: 'true' },
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      },
    },
  };
}

/**
 * Istio resources meshlog would apply, from what it saw: a DestinationRule (outlier detection
 * and connection-pool limits sized from peak concurrency plus headroom) for every service with
 * an edge whose breaker tripped or came close, and a local rate limit for every service whose
 * concurrency nears its limit.
 */
export function recommend(breakers: Breakers, load: LoadTracker, cfg: RecommendConfig): Recommendation[] {
  const out: Recommendation[] = [];
  const services = new Map(load.services().map((l) => [`${l.namespace}/${l.service}`, l]));
  const threshold = breakers.policy.failureRateThreshold / 100;
  const flagged = new Map<string, string>();
  for (const { edge, breaker } of breakers.edges()) {
    const key = `${edge.namespace}/${edge.service}`;
    const tripped = breakers.events().some((e) => e.edge === breaker.edge && e.to === 'open');
    const close = breaker.peakFailureRate >= cfg.closeToTrip * threshold;
    if ((tripped || close) && !flagged.has(key)) {
      flagged.set(
        key,
        tripped
          ? `breaker on ${breaker.edge} opened (peak failure rate ${Math.round(breaker.peakFailureRate * 100)}%)`
          : `breaker on ${breaker.edge} came close (peak failure rate ${Math.round(breaker.peakFailureRate * 100)}%)`,
      );
    }
  }
  for (const [key, reason] of flagged) {
    const l = services.get(key);
    if (l) out.push(destinationRule(l, cfg, reason));
  }
  for (const [key, l] of services) {
    const limit = cfg.concurrencyLimits[key] ?? cfg.defaultConcurrencyLimit;
    const concurrency = (l.peakRps * l.meanLatencyMs) / 1000;
    if (concurrency >= cfg.nearLimit * limit) out.push(localRateLimit(l, limit, concurrency));
  }
  return out;
}
