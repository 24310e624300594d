import type { Client, estypes } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from './config.ts';
import { KINDS, REWRITTEN, type Kind } from './documents.ts';

const kw = { type: 'keyword' };
const int = { type: 'integer' };
const long = { type: 'long' };
const date = { type: 'date' };

/** Strings nobody declared are keywords (aggregatable in Kibana), never analysed text. */
const DYNAMIC: Array<Record<string, estypes.MappingDynamicTemplate>> = [
  { labels: { path_match: 'labels.*', mapping: { type: 'keyword', ignore_above: 1024 } } },
  { strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
];

const HOP_FIELDS = {
  '@timestamp': date,
  'event.dataset': kw,
  'http.request.id': kw,
  'http.request.method': kw,
  'url.original': { type: 'keyword', ignore_above: 4096 },
  'url.path': { type: 'keyword', ignore_above: 4096 },
  'url.query': { type: 'keyword', ignore_above: 4096 },
  'network.protocol': kw,
  'http.response.status_code': int,
  'event.duration': long,
  'http.request.bytes': long,
  'http.response.bytes': long,
  'user_agent.original': { type: 'keyword', ignore_above: 1024 },
  'source.ip': { type: 'ip' },
  'source.port': int,
  'destination.ip': { type: 'ip' },
  'destination.port': int,
  'trace.id': kw,
  'span.id': kw,
  'service.name': kw,
  'envoy.response_flags': kw,
  'envoy.response_code_details': kw,
  'envoy.connection_termination_details': kw,
  'envoy.upstream.cluster': kw,
  'envoy.upstream.host': kw,
  'envoy.upstream.local_address': kw,
  'envoy.upstream.transport_failure_reason': kw,
  'envoy.upstream_service_time': long,
  'envoy.route_name': kw,
  'envoy.authority': kw,
  'envoy.requested_server_name': kw,
  'envoy.x_forwarded_for': kw,
  'envoy.format': kw,
  'mesh.direction': kw,
  'mesh.destination.service': kw,
  'mesh.destination.namespace': kw,
  'mesh.destination.port': int,
  'mesh.destination.subset': kw,
  'mesh.source.workload': kw,
  'mesh.source.namespace': kw,
  'mesh.route': kw,
  'mesh.error_class': kw,
};

/** Explicit mappings per kind; what is not listed falls to the dynamic templates above. */
export const MAPPINGS: Record<Kind, Record<string, unknown>> = {
  requests: {
    '@timestamp': date,
    'event.dataset': kw,
    'http.request.id': kw,
    'trace.id': kw,
    'trace.ids': kw,
    'http.response.status_code': int,
    'mesh.error_class': kw,
    'mesh.failed_hop': int,
    'mesh.failed_hop_error_class': kw,
    'event.duration': long,
    'meshlog.join.state': kw,
    'mesh.hops': {
      properties: {
        index: int,
        parent: int,
        '@timestamp': date,
        service: kw,
        direction: kw,
        route: kw,
        status: int,
        flags: kw,
        'event.duration': long,
        error_class: kw,
        cluster: kw,
        span_id: kw,
      },
    },
    spans: { type: 'object', enabled: false },
  },
  hops: HOP_FIELDS,
  windows: {
    '@timestamp': date,
    'event.dataset': kw,
    'mesh.route_key': kw,
    'mesh.destination.service': kw,
    'mesh.destination.namespace': kw,
    'mesh.destination.subset': kw,
    'mesh.route': kw,
    'event.id': kw,
    'window.source': kw,
    'window.bucket_ms': int,
    requests: long,
    'errors.ok': long,
    'errors.app': long,
    'errors.mesh': long,
    'errors.client_abort': long,
    'errors.no_route': long,
    'errors.rate_limited': long,
    error_rate: { type: 'double' },
    'latency.p50': { type: 'double' },
    'latency.p90': { type: 'double' },
    'latency.p99': { type: 'double' },
    'window.sketch': { type: 'binary' },
    'window.sample': { type: 'binary' },
  },
  decisions: {
    '@timestamp': date,
    'event.dataset': kw,
    'event.id': kw,
    'decision.type': kw,
    'mesh.destination.service': kw,
    'mesh.destination.namespace': kw,
    'canary.subset': kw,
    'baseline.subset': kw,
    verdict: kw,
    score: int,
    'breaker.edge': kw,
    'breaker.from': kw,
    'breaker.to': kw,
    reason: { type: 'text' },
    evidence: { type: 'object', enabled: false },
  },
  deadletters: {
    '@timestamp': date,
    'event.dataset': kw,
    component: kw,
    code: kw,
    reason: { type: 'text' },
    line: int,
    payload_encoding: kw,
    payload: { type: 'keyword', index: false, doc_values: false },
  },
};

export interface Layout {
  /** Data streams (append-only kinds) or dated indices behind aliases. */
  appendOnly: 'datastream' | 'alias';
  /** The name documents of a kind are read through: a data stream or an alias. */
  target(kind: Kind): string;
  /** Where one document is written, and how. */
  write(kind: Kind, timestamp: string): { index: string; op: 'create' | 'index' };
}

/** Does this cluster have data streams? The integ-test-zip distribution does; some do not. */
async function hasDataStreams(client: Client): Promise<boolean> {
  try {
    await client.indices.getDataStream({ name: '*' });
    return true;
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (status === 400 || status === 404 || status === 405) return false;
    throw err;
  }
}

/**
 * Installs one composable index template per kind (explicit mappings, dynamic templates for
 * the rest). Append-only kinds become data streams where the cluster has them; the others are
 * dated daily indices (`<prefix>-<kind>-YYYY.MM.DD`) that an alias (`<prefix>-<kind>`) reads.
 */
export async function installTemplates(client: Client, config: ElasticsearchConfig): Promise<Layout> {
  const appendOnly =
    config.appendOnly === 'auto' ? ((await hasDataStreams(client)) ? 'datastream' : 'alias') : config.appendOnly;
  const stream = (k: Kind) => appendOnly === 'datastream' && !REWRITTEN.has(k);
  for (const kind of KINDS) {
    const name = `${config.prefix}-${kind}`;
    await client.indices.putIndexTemplate({
      name,
      index_patterns: stream(kind) ? [name] : [`${name}-*`],
      priority: 200,
      ...(stream(kind) ? { data_stream: {} } : {}),
      template: {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: {
          dynamic: true,
          dynamic_templates: DYNAMIC,
          properties: MAPPINGS[kind] as Record<string, estypes.MappingProperty>,
        },
        ...(stream(kind) ? {} : { aliases: { [name]: {} } }),
      },
      _meta: { managed_by: 'meshlog' },
    });
  }
  return {
    appendOnly,
    target: (k) => `${config.prefix}-${k}`,
    write: (k, ts) => {
      if (stream(k)) return { index: `${config.prefix}-${k}`, op: 'create' };
      const day = (ts ?? '').slice(0, 10).replace(/-/g, '.') || 'undated';
      return { index: `${config.prefix}-${k}-${day}`, op: 'index' };
    },
  };
}
