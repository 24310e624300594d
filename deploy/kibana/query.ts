/**
 * The Elasticsearch request a Lens panel stands for, and its response read back as the rows Lens
 * would show. Lens sends one aggregation per bucket column (nested in column order, "top values"
 * as `terms`, the x axis as `date_histogram`) with each formula's parts as sub-aggregations, then
 * does the formula's arithmetic itself; `evaluate` does the same arithmetic here.
 */
import { dsl, esAggs, evaluate } from './formula.ts';
import type { LensPanel } from './panels.ts';

/** The key Kibana gives documents without the field when a bucket includes them (shown as "(missing value)"). */
export const MISSING = '__missing__';

export interface TimeRange {
  /** ISO times, `from` inclusive, `to` exclusive: the dashboard's time picker. */
  from: string;
  to: string;
}

export interface PanelRequest {
  query: Record<string, unknown>;
  aggs: Record<string, unknown>;
}

export interface PanelRow {
  /** Bucket keys in row order; for panels over time, the bucket start (epoch ms) comes first. */
  key: string[];
  values: Record<string, number | null>;
}

/**
 * `interval` is the date histogram's fixed interval for panels over time (Lens's `auto` picks one
 * from the time range; any multiple of the windows' bucket gives the same rates).
 */
export function panelRequest(p: LensPanel, range: TimeRange, interval = '10s'): PanelRequest {
  const metrics: Record<string, unknown> = {};
  for (const m of p.metrics) for (const [k, v] of Object.entries(esAggs(m.expr))) metrics[`${m.id}.${k}`] = v;
  let inner: Record<string, unknown> = metrics;
  for (let i = p.rows.length - 1; i >= 0; i--) {
    const r = p.rows[i];
    const terms = { field: r.field, size: r.size, order: { _key: 'asc' }, ...(r.missing ? { missing: MISSING } : {}) };
    inner = { [`row${i}`]: { terms, aggs: inner } };
  }
  if (p.overTime)
    inner = {
      time: { date_histogram: { field: '@timestamp', fixed_interval: interval, min_doc_count: 1 }, aggs: inner },
    };
  return {
    query: {
      bool: {
        filter: [
          { range: { '@timestamp': { gte: range.from, lt: range.to, format: 'strict_date_optional_time' } } },
          ...p.filters.map(dsl),
        ],
      },
    },
    aggs: inner,
  };
}

type Node = Record<string, unknown> & { doc_count: number };

/** Flattens a response into rows, evaluating each metric's expression in its bucket. */
export function panelRows(p: LensPanel, aggregations: Record<string, unknown>): PanelRow[] {
  const rows: PanelRow[] = [];
  const leaf = (node: Node, key: string[]) => {
    const values: Record<string, number | null> = {};
    for (const m of p.metrics) {
      // The metric's sub-aggregations were named `<metric>.<x…>`; present them to evaluate as `x…`.
      const own: Node = { doc_count: node.doc_count };
      for (const [k, v] of Object.entries(node)) if (k.startsWith(`${m.id}.`)) own[k.slice(m.id.length + 1)] = v;
      values[m.id] = evaluate(m.expr, own);
    }
    rows.push({ key, values });
  };
  const walk = (node: Node, depth: number, key: string[]) => {
    if (depth === p.rows.length) return leaf(node, key);
    for (const b of (node[`row${depth}`] as { buckets: Node[] }).buckets) walk(b, depth + 1, [...key, String(b.key)]);
  };
  if (p.overTime) for (const b of (aggregations.time as { buckets: Node[] }).buckets) walk(b, 0, [String(b.key)]);
  else walk(aggregations as Node, 0, []);
  return rows;
}
