/**
 * The Kibana dashboards, as data: each panel names its data view, its metric and its buckets.
 * The same spec renders the saved object (an aggregation-based visualization) and the
 * Elasticsearch aggregation it stands for, which the tests run against a known dataset.
 */
export type Metric =
  | { type: 'count' }
  | { type: 'avg' | 'max' | 'sum'; field: string }
  | { type: 'percentiles'; field: string; percents: number[] };
export type BucketAgg =
  { type: 'terms'; field: string; size: number } | { type: 'date_histogram'; field: '@timestamp'; interval: string };

export interface Panel {
  id: string;
  title: string;
  dataView: DataViewId;
  chart: 'line' | 'histogram' | 'table' | 'pie' | 'metric';
  metric: Metric;
  buckets: BucketAgg[];
  /** A query-DSL filter the panel applies (Kibana: a saved filter in the visualization). */
  filter?: Record<string, unknown>;
}

export const DATA_VIEWS = {
  requests: 'meshlog-requests',
  hops: 'meshlog-hops',
  windows: 'meshlog-windows',
  decisions: 'meshlog-decisions',
  deadletters: 'meshlog-deadletters',
} as const;
export type DataViewId = keyof typeof DATA_VIEWS;

const failing = { terms: { 'mesh.error_class': ['app', 'mesh'] } };

export const DASHBOARDS: Array<{ id: string; title: string; description: string; panels: Panel[] }> = [
  {
    id: 'meshlog-mesh-routes',
    title: 'meshlog: Mesh routes',
    description: 'Request rate, error rate and latency per route and subset (route windows).',
    panels: [
      {
        id: 'routes-requests',
        title: 'Requests per route',
        dataView: 'windows',
        chart: 'line',
        metric: { type: 'sum', field: 'requests' },
        buckets: [
          { type: 'date_histogram', field: '@timestamp', interval: 'auto' },
          { type: 'terms', field: 'mesh.route', size: 10 },
        ],
      },
      {
        id: 'routes-error-rate',
        title: 'Error rate per route and subset',
        dataView: 'windows',
        chart: 'table',
        metric: { type: 'avg', field: 'error_rate' },
        buckets: [
          { type: 'terms', field: 'mesh.route', size: 20 },
          { type: 'terms', field: 'mesh.destination.subset', size: 10 },
        ],
      },
      {
        id: 'routes-latency',
        title: 'Latency p99 per route and subset (ms)',
        dataView: 'windows',
        chart: 'table',
        metric: { type: 'max', field: 'latency.p99' },
        buckets: [
          { type: 'terms', field: 'mesh.route', size: 20 },
          { type: 'terms', field: 'mesh.destination.subset', size: 10 },
        ],
      },
      {
        id: 'routes-request-latency',
        title: 'Request latency percentiles (ns)',
        dataView: 'requests',
        chart: 'table',
        metric: { type: 'percentiles', field: 'event.duration', percents: [50, 90, 99] },
        buckets: [{ type: 'terms', field: 'mesh.hops.service', size: 20 }],
      },
    ],
  },
  {
    id: 'meshlog-canary',
    title: 'meshlog: Canary',
    description: 'Canary against baseline over time, with the verdicts.',
    panels: [
      {
        id: 'canary-error-rate',
        title: 'Error rate by subset over time',
        dataView: 'windows',
        chart: 'line',
        metric: { type: 'avg', field: 'error_rate' },
        buckets: [
          { type: 'date_histogram', field: '@timestamp', interval: 'auto' },
          { type: 'terms', field: 'mesh.destination.subset', size: 5 },
        ],
      },
      {
        id: 'canary-verdicts',
        title: 'Canary verdicts',
        dataView: 'decisions',
        chart: 'pie',
        metric: { type: 'count' },
        buckets: [{ type: 'terms', field: 'verdict', size: 3 }],
        filter: { term: { 'decision.type': 'canary' } },
      },
      {
        id: 'canary-score',
        title: 'Canary score per service',
        dataView: 'decisions',
        chart: 'table',
        metric: { type: 'avg', field: 'score' },
        buckets: [{ type: 'terms', field: 'mesh.destination.service', size: 20 }],
        filter: { term: { 'decision.type': 'canary' } },
      },
    ],
  },
  {
    id: 'meshlog-failures',
    title: 'meshlog: Failures',
    description: 'Top response flags, error classes and failing edges.',
    panels: [
      {
        id: 'failures-flags',
        title: 'Top response flags',
        dataView: 'hops',
        chart: 'histogram',
        metric: { type: 'count' },
        buckets: [{ type: 'terms', field: 'envoy.response_flags', size: 10 }],
      },
      {
        id: 'failures-classes',
        title: 'Error classes',
        dataView: 'hops',
        chart: 'pie',
        metric: { type: 'count' },
        buckets: [{ type: 'terms', field: 'mesh.error_class', size: 6 }],
      },
      {
        id: 'failures-edges',
        title: 'Failing edges',
        dataView: 'hops',
        chart: 'table',
        metric: { type: 'count' },
        buckets: [
          { type: 'terms', field: 'mesh.source.workload', size: 20 },
          { type: 'terms', field: 'mesh.destination.service', size: 20 },
        ],
        filter: failing,
      },
      {
        id: 'failures-breakers',
        title: 'Breaker transitions',
        dataView: 'decisions',
        chart: 'table',
        metric: { type: 'count' },
        buckets: [
          { type: 'terms', field: 'breaker.edge', size: 20 },
          { type: 'terms', field: 'breaker.to', size: 3 },
        ],
        filter: { term: { 'decision.type': 'breaker' } },
      },
    ],
  },
  {
    id: 'meshlog-business',
    title: 'meshlog: Business',
    description: 'Requests and failures by the business-header labels.',
    panels: [
      {
        id: 'business-tenant',
        title: 'Requests per tenant',
        dataView: 'requests',
        chart: 'histogram',
        metric: { type: 'count' },
        buckets: [{ type: 'terms', field: 'labels.tenant', size: 20 }],
      },
      {
        id: 'business-tenant-failures',
        title: 'Failed requests per tenant',
        dataView: 'requests',
        chart: 'table',
        metric: { type: 'count' },
        buckets: [{ type: 'terms', field: 'labels.tenant', size: 20 }],
        filter: failing,
      },
      {
        id: 'business-plan-latency',
        title: 'Latency p90 per plan (ns)',
        dataView: 'requests',
        chart: 'table',
        metric: { type: 'percentiles', field: 'event.duration', percents: [90] },
        buckets: [{ type: 'terms', field: 'labels.plan', size: 10 }],
      },
    ],
  },
];

/** The Elasticsearch aggregation a panel stands for (what Kibana sends, minus its time filter). */
export function esQuery(p: Panel): { query: Record<string, unknown>; aggs: Record<string, unknown> } {
  const metricAgg =
    p.metric.type === 'count'
      ? undefined
      : p.metric.type === 'percentiles'
        ? { percentiles: { field: p.metric.field, percents: p.metric.percents } }
        : { [p.metric.type]: { field: p.metric.field } };
  let inner: Record<string, unknown> | undefined = metricAgg ? { m: metricAgg } : undefined;
  for (let i = p.buckets.length - 1; i >= 0; i--) {
    const b = p.buckets[i];
    const agg =
      b.type === 'terms'
        ? { terms: { field: b.field, size: b.size } }
        : { date_histogram: { field: b.field, fixed_interval: '10s', min_doc_count: 1 } };
    inner = { [`b${i}`]: { ...agg, ...(inner ? { aggs: inner } : {}) } };
  }
  return { query: p.filter ?? { match_all: {} }, aggs: inner ?? {} };
}
