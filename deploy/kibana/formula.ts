/**
 * A panel's metric as an expression tree, rendered two ways from the same value: as a Lens formula
 * (the saved object) and as the Elasticsearch aggregations Lens sends plus the arithmetic Lens does
 * on their results in the browser (the agreement tests). Only what the dashboards use is modelled:
 * sums, counts and percentiles, each with an optional KQL filter, joined by + − × ÷ and constants.
 */

/** A filter written once: KQL for Kibana, query DSL for the tests. Values are matched exactly (keywords). */
export interface Filter {
  field: string;
  values: string[];
  negate?: boolean;
}

export type Agg =
  | { fn: 'count'; filter?: Filter }
  | { fn: 'sum'; field: string; filter?: Filter }
  | { fn: 'percentile'; field: string; percentile: number; filter?: Filter };

export type Op = 'add' | 'subtract' | 'multiply' | 'divide';
export type Expr = number | Agg | { op: Op; a: Expr; b: Expr };

export const sum = (field: string, filter?: Filter): Agg => ({ fn: 'sum', field, ...(filter ? { filter } : {}) });
export const count = (filter?: Filter): Agg => ({ fn: 'count', ...(filter ? { filter } : {}) });
export const percentile = (field: string, p: number): Agg => ({ fn: 'percentile', field, percentile: p });
export const add = (a: Expr, b: Expr): Expr => ({ op: 'add', a, b });
export const sub = (a: Expr, b: Expr): Expr => ({ op: 'subtract', a, b });
export const mul = (a: Expr, b: Expr): Expr => ({ op: 'multiply', a, b });
export const div = (a: Expr, b: Expr): Expr => ({ op: 'divide', a, b });

const SYMBOL: Record<Op, string> = { add: '+', subtract: '-', multiply: '*', divide: '/' };
const isAgg = (e: Expr): e is Agg => typeof e === 'object' && 'fn' in e;

// ---- Kibana side ------------------------------------------------------------------------------

export function kql(f: Filter): string {
  const one = (v: string) => JSON.stringify(v);
  const match = f.values.length === 1 ? one(f.values[0]) : `(${f.values.map(one).join(' or ')})`;
  return `${f.negate ? 'not ' : ''}${f.field} : ${match}`;
}

function aggText(a: Agg): string {
  // Lens formula strings quote KQL in single quotes; a single quote inside is escaped.
  const filter = a.filter ? `kql='${kql(a.filter).replace(/'/g, "\\'")}'` : '';
  if (a.fn === 'count') return `count(${filter})`;
  const args = [a.field, ...(a.fn === 'percentile' ? [`percentile=${a.percentile}`] : []), ...(filter ? [filter] : [])];
  return `${a.fn}(${args.join(', ')})`;
}

/** The Lens formula text, fully parenthesised below the top level. */
export function formulaText(e: Expr, top = true): string {
  if (typeof e === 'number') return String(e);
  if (isAgg(e)) return aggText(e);
  const s = `${formulaText(e.a, false)} ${SYMBOL[e.op]} ${formulaText(e.b, false)}`;
  return top ? s : `(${s})`;
}

/** The aggregations of an expression, left to right (Lens numbers its hidden columns X0, X1, … in this order). */
export function aggsOf(e: Expr): Agg[] {
  if (typeof e === 'number') return [];
  if (isAgg(e)) return [e];
  return [...aggsOf(e.a), ...aggsOf(e.b)];
}

/** Lens's persisted column for one aggregation (a visible metric column or a formula's hidden part). */
export function lensAggColumn(a: Agg, label: string, customLabel: boolean): Record<string, unknown> {
  const base = {
    label,
    dataType: 'number',
    isBucketed: false,
    scale: 'ratio',
    ...(a.filter ? { filter: { query: kql(a.filter), language: 'kuery' } } : {}),
    ...(customLabel ? { customLabel: true } : {}),
  };
  if (a.fn === 'count')
    return { ...base, operationType: 'count', sourceField: '___records___', params: { emptyAsNull: false } };
  if (a.fn === 'sum') return { ...base, operationType: 'sum', sourceField: a.field, params: { emptyAsNull: false } };
  return { ...base, operationType: 'percentile', sourceField: a.field, params: { percentile: a.percentile } };
}

/** The tinymath AST Lens stores in a formula's `math` column; aggregations are replaced by their column ids. */
export function tinymathAst(e: Expr, ids: Map<Agg, string>): unknown {
  if (typeof e === 'number') return e;
  if (isAgg(e)) return ids.get(e)!;
  return { type: 'function', name: e.op, args: [tinymathAst(e.a, ids), tinymathAst(e.b, ids)] };
}

// ---- Elasticsearch side -----------------------------------------------------------------------

/** The query DSL for a filter (what Kibana's KQL compiler produces for an exact match on a keyword). */
export function dsl(f: Filter): Record<string, unknown> {
  const match = f.values.length === 1 ? { term: { [f.field]: f.values[0] } } : { terms: { [f.field]: f.values } };
  return f.negate ? { bool: { must_not: [match] } } : match;
}

/** One named sub-aggregation per distinct aggregation of the expression (Lens sends each once). */
export function esAggs(e: Expr): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  aggsOf(e).forEach((a, i) => {
    const metric =
      a.fn === 'count'
        ? undefined
        : a.fn === 'sum'
          ? { sum: { field: a.field } }
          : { percentiles: { field: a.field, percents: [a.percentile] } };
    out[`x${i}`] = a.filter
      ? { filter: dsl(a.filter), ...(metric ? { aggs: { v: metric } } : {}) }
      : (metric ?? { filter: { match_all: {} } });
  });
  return out;
}

type EsBucket = Record<string, unknown> & { doc_count: number };

/** The value of one aggregation read back from a bucket of the response. */
function aggValue(a: Agg, node: Record<string, unknown>): number | null {
  if (a.fn === 'count') return (node as EsBucket).doc_count;
  const m = (a.filter ? node.v : node) as { value?: number | null; values?: Record<string, number | null> };
  if (a.fn === 'sum') return m.value ?? 0;
  const v = Object.values(m.values ?? {})[0];
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
}

/**
 * Evaluates the expression over one response bucket, as Lens's math does: a division by zero or an
 * empty percentile gives null (Lens shows "-"), never a number that looks real.
 */
export function evaluate(
  e: Expr,
  bucket: EsBucket,
  ids = new Map(aggsOf(e).map((a, i) => [a, `x${i}`])),
): number | null {
  if (typeof e === 'number') return e;
  if (isAgg(e)) return aggValue(e, bucket[ids.get(e)!] as Record<string, unknown>);
  const a = evaluate(e.a, bucket, ids);
  const b = evaluate(e.b, bucket, ids);
  if (a === null || b === null) return null;
  switch (e.op) {
    case 'add':
      return a + b;
    case 'subtract':
      return a - b;
    case 'multiply':
      return a * b;
    case 'divide':
      return b === 0 ? null : a / b;
  }
}
