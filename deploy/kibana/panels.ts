/**
 * The Kibana dashboards, as data. Each Lens panel names its data view, its row buckets and its
 * metrics as expressions (formula.ts); the same spec renders the saved object (generate.ts) and
 * the Elasticsearch request it stands for (query.ts), which the agreement tests run against what
 * meshlog wrote and compare with meshlog's own answers.
 *
 * Rates are ratios of sums over the selected range (never an average of per-bucket rates), with
 * the canary judge's definition: (app + mesh errors) / (requests − client aborts). Percentiles are
 * percentiles of the range computed from the hop and request documents' `event.duration` (ns,
 * shown in ms): the windows' per-bucket p50/p90/p99 cannot be merged, and Elasticsearch's mergeable
 * `histogram` field type is x-pack, which the test server (integ-test-zip) does not have.
 */
import { add, count, div, percentile, sub, sum, type Expr, type Filter } from './formula.ts';

export const DATA_VIEWS = {
  requests: 'meshlog-requests',
  hops: 'meshlog-hops',
  windows: 'meshlog-windows',
  decisions: 'meshlog-decisions',
  deadletters: 'meshlog-deadletters',
} as const;
export type DataViewId = keyof typeof DATA_VIEWS;

export type Format = 'count' | 'percent' | 'ms';

export interface Metric {
  /** Column id in the Lens layer and key of the test's result rows. */
  id: string;
  label: string;
  expr: Expr;
  format: Format;
}

/** A "top values" bucket, alphabetical (stable, and what a table of routes wants). */
export interface Bucket {
  field: string;
  label: string;
  size: number;
  /** Also a bucket for documents without the field (Lens "include documents without this field"). */
  missing?: boolean;
}

export interface LensPanel {
  kind: 'lens';
  id: string;
  title: string;
  dataView: DataViewId;
  chart: 'table' | 'line' | 'bar';
  /** The panel's own query (ANDed): Lens stores it as the visualization's KQL query. */
  filters: Filter[];
  /** Line charts: the x axis is @timestamp; `rows[0]` splits the series. */
  overTime: boolean;
  rows: Bucket[];
  metrics: Metric[];
}

/** A Discover session shown on a dashboard: the documents themselves, newest first (the decisions' evidence). */
export interface SearchPanel {
  kind: 'search';
  id: string;
  title: string;
  dataView: DataViewId;
  filters: Filter[];
  columns: string[];
}

export type Panel = LensPanel | SearchPanel;

export interface Dashboard {
  id: string;
  title: string;
  description: string;
  panels: Panel[];
}

// ---- shared pieces ----------------------------------------------------------------------------

/** The client side of an edge, as the route windows count it (signals.windows.reporter: client). */
export const CLIENT_SIDE: Filter = { field: 'mesh.direction', values: ['outbound', 'gateway'] };
const FAILED: Filter = { field: 'mesh.error_class', values: ['app', 'mesh'] };
const NOT_ABORTED: Filter = { field: 'mesh.error_class', values: ['client_abort'], negate: true };
const CANARY: Filter = { field: 'decision.type', values: ['canary'] };
const BREAKER: Filter = { field: 'decision.type', values: ['breaker'] };

/** Window sums: the judge's error rate over the range, weighted by traffic. */
const windowErrors = add(sum('errors.app'), sum('errors.mesh'));
const windowJudged = sub(sum('requests'), sum('errors.client_abort'));
const windowErrorRate = div(windowErrors, windowJudged);

/** Document counts: the same rate over hops or requests. */
const docErrorRate = div(count(FAILED), count(NOT_ABORTED));

const NS_PER_MS = 1_000_000;
const latencyMs = (p: number): Metric => ({
  id: `p${p}`,
  label: `Latency p${p} (ms)`,
  expr: div(percentile('event.duration', p), NS_PER_MS),
  format: 'ms',
});
const LATENCY = [latencyMs(50), latencyMs(90), latencyMs(99)];

const service: Bucket = { field: 'mesh.destination.service', label: 'Service', size: 50 };
const route: Bucket = { field: 'mesh.route', label: 'Route', size: 100 };
const subset: Bucket = { field: 'mesh.destination.subset', label: 'Subset', size: 20, missing: true };

const lens = (p: Omit<LensPanel, 'kind' | 'filters' | 'overTime'> & Partial<LensPanel>): LensPanel => ({
  kind: 'lens',
  filters: [],
  overTime: false,
  ...p,
});

// ---- the dashboards ---------------------------------------------------------------------------

export const DASHBOARDS: Dashboard[] = [
  {
    id: 'meshlog-mesh-routes',
    title: 'meshlog: Mesh routes',
    description:
      'Requests, error rate (errors over requests in the range) and latency percentiles per route and subset.',
    panels: [
      lens({
        id: 'routes-table',
        title: 'Routes over the range: requests, errors, error rate (%)',
        dataView: 'windows',
        chart: 'table',
        rows: [service, route, subset],
        metrics: [
          { id: 'requests', label: 'Requests (count)', expr: sum('requests'), format: 'count' },
          { id: 'errors', label: 'Errors, app + mesh (count)', expr: windowErrors, format: 'count' },
          { id: 'error_rate', label: 'Error rate (%)', expr: windowErrorRate, format: 'percent' },
        ],
      }),
      lens({
        id: 'routes-latency',
        title: 'Route latency over the range: p50, p90, p99 (ms)',
        dataView: 'hops',
        chart: 'table',
        filters: [CLIENT_SIDE],
        rows: [service, route, subset],
        metrics: LATENCY,
      }),
      lens({
        id: 'routes-requests-time',
        title: 'Requests per route over time (count per interval)',
        dataView: 'windows',
        chart: 'line',
        overTime: true,
        rows: [{ ...route, size: 10 }],
        metrics: [{ id: 'requests', label: 'Requests (count)', expr: sum('requests'), format: 'count' }],
      }),
      lens({
        id: 'routes-error-rate-time',
        title: 'Error rate per route over time (%)',
        dataView: 'windows',
        chart: 'line',
        overTime: true,
        rows: [{ ...route, size: 10 }],
        metrics: [{ id: 'error_rate', label: 'Error rate (%)', expr: windowErrorRate, format: 'percent' }],
      }),
    ],
  },
  {
    id: 'meshlog-canary',
    title: 'meshlog: Canary',
    description:
      'Canary against baseline: error rate and latency per subset over the range, the verdicts meshlog gave and their evidence.',
    panels: [
      lens({
        id: 'canary-error-rate',
        title: 'Error rate per subset over the range (%)',
        dataView: 'windows',
        chart: 'table',
        rows: [service, subset],
        metrics: [
          { id: 'requests', label: 'Judged requests (count)', expr: windowJudged, format: 'count' },
          { id: 'errors', label: 'Errors, app + mesh (count)', expr: windowErrors, format: 'count' },
          { id: 'error_rate', label: 'Error rate (%)', expr: windowErrorRate, format: 'percent' },
        ],
      }),
      lens({
        id: 'canary-latency',
        title: 'Latency per subset over the range: p50, p90, p99 (ms)',
        dataView: 'hops',
        chart: 'table',
        filters: [CLIENT_SIDE],
        rows: [service, subset],
        metrics: LATENCY,
      }),
      lens({
        id: 'canary-error-rate-time',
        title: 'Error rate per subset over time (%)',
        dataView: 'windows',
        chart: 'line',
        overTime: true,
        rows: [{ ...subset, size: 10 }],
        metrics: [{ id: 'error_rate', label: 'Error rate (%)', expr: windowErrorRate, format: 'percent' }],
      }),
      lens({
        id: 'canary-verdicts',
        title: 'Canary verdicts (count of judgements)',
        dataView: 'decisions',
        chart: 'table',
        filters: [CANARY],
        rows: [
          { field: 'mesh.destination.namespace', label: 'Namespace', size: 20 },
          service,
          { field: 'canary.subset', label: 'Canary', size: 20 },
          { field: 'baseline.subset', label: 'Baseline', size: 20 },
          { field: 'verdict', label: 'Verdict', size: 3 },
        ],
        metrics: [{ id: 'judgements', label: 'Judgements (count)', expr: count(), format: 'count' }],
      }),
      {
        kind: 'search',
        id: 'canary-evidence',
        title: 'Canary verdicts with their evidence (newest first; the link opens meshlog’s canary view)',
        dataView: 'decisions',
        filters: [CANARY],
        columns: [
          'mesh.destination.namespace',
          'mesh.destination.service',
          'canary.subset',
          'baseline.subset',
          'verdict',
          'score',
          'reason',
          'canary.view',
        ],
      },
    ],
  },
  {
    id: 'meshlog-failures',
    title: 'meshlog: Failures',
    description: 'Response flags, error classes, failing edges and circuit-breaker transitions.',
    panels: [
      lens({
        id: 'failures-flags',
        title: 'Top response flags (hops, count)',
        dataView: 'hops',
        chart: 'bar',
        rows: [{ field: 'envoy.response_flags', label: 'Response flag', size: 20 }],
        metrics: [{ id: 'hops', label: 'Hops (count)', expr: count(), format: 'count' }],
      }),
      lens({
        id: 'failures-classes',
        title: 'Requests per error class (client-side hops, count)',
        dataView: 'hops',
        chart: 'bar',
        filters: [CLIENT_SIDE],
        rows: [service, { field: 'mesh.error_class', label: 'Error class', size: 6 }],
        metrics: [{ id: 'hops', label: 'Hops (count)', expr: count(), format: 'count' }],
      }),
      lens({
        id: 'failures-edges',
        title: 'Edges: failed requests and error rate (%) over the range',
        dataView: 'hops',
        chart: 'table',
        filters: [CLIENT_SIDE],
        rows: [{ field: 'mesh.source.workload', label: 'Source workload', size: 50, missing: true }, service],
        metrics: [
          { id: 'failed', label: 'Failed, app + mesh (count)', expr: count(FAILED), format: 'count' },
          { id: 'judged', label: 'Judged requests (count)', expr: count(NOT_ABORTED), format: 'count' },
          { id: 'error_rate', label: 'Error rate (%)', expr: docErrorRate, format: 'percent' },
        ],
      }),
      lens({
        id: 'failures-breakers',
        title: 'Circuit-breaker transitions (count)',
        dataView: 'decisions',
        chart: 'table',
        filters: [BREAKER],
        rows: [
          { field: 'breaker.edge', label: 'Edge', size: 50 },
          { field: 'breaker.from', label: 'From', size: 3 },
          { field: 'breaker.to', label: 'To', size: 3 },
        ],
        metrics: [{ id: 'transitions', label: 'Transitions (count)', expr: count(), format: 'count' }],
      }),
    ],
  },
  {
    id: 'meshlog-business',
    title: 'meshlog: Business',
    description: 'Requests, failures and latency by the business-header labels (labels processor).',
    panels: [
      lens({
        id: 'business-tenant',
        title: 'Per tenant over the range: requests, failed, error rate (%), p90 (ms)',
        dataView: 'requests',
        chart: 'table',
        rows: [{ field: 'labels.tenant', label: 'Tenant', size: 50 }],
        metrics: [
          { id: 'requests', label: 'Requests (count)', expr: count(), format: 'count' },
          { id: 'failed', label: 'Failed, app + mesh (count)', expr: count(FAILED), format: 'count' },
          { id: 'error_rate', label: 'Error rate (%)', expr: docErrorRate, format: 'percent' },
          latencyMs(90),
        ],
      }),
      lens({
        id: 'business-plan-latency',
        title: 'Latency per plan over the range: p50, p90, p99 (ms)',
        dataView: 'requests',
        chart: 'table',
        rows: [{ field: 'labels.plan', label: 'Plan', size: 20 }],
        metrics: LATENCY,
      }),
    ],
  },
];

export const lensPanels = (): LensPanel[] =>
  DASHBOARDS.flatMap((d) => d.panels.filter((p): p is LensPanel => p.kind === 'lens'));
