/**
 * A Lens panel spec as a Lens saved object (Kibana 8.9+ persisted format: `formBased` layers,
 * formulas stored with their hidden parts `X0…Xn` and the `math` column, as Kibana itself saves them).
 */
import { aggsOf, formulaText, kql, lensAggColumn, tinymathAst, type Agg } from './formula.ts';
import type { Format, LensPanel, Metric } from './panels.ts';

export const LENS_MIGRATION = { coreMigrationVersion: '8.8.0', typeMigrationVersion: '8.9.0' } as const;

const FORMAT: Record<Format, Record<string, unknown>> = {
  count: { id: 'number', params: { decimals: 0 } },
  percent: { id: 'percent', params: { decimals: 2 } },
  ms: { id: 'number', params: { decimals: 1, suffix: ' ms' } },
};

type Columns = Record<string, Record<string, unknown>>;

/** A metric's columns: one plain column for a lone aggregation, else the formula and its hidden parts. */
function metricColumns(m: Metric): { columns: Columns; order: string[] } {
  const format = FORMAT[m.format];
  if (typeof m.expr === 'object' && 'fn' in m.expr) {
    const col = lensAggColumn(m.expr, m.label, true);
    return {
      columns: { [m.id]: { ...col, params: { ...(col.params as object), format } } },
      order: [m.id],
    };
  }
  const aggs = aggsOf(m.expr);
  const ids = new Map<Agg, string>(aggs.map((a, i) => [a, `${m.id}X${i}`]));
  const mathId = `${m.id}X${aggs.length}`;
  const text = formulaText(m.expr);
  const columns: Columns = {};
  for (const [a, id] of ids) columns[id] = lensAggColumn(a, `Part of ${m.label}`, true);
  columns[mathId] = {
    label: `Part of ${m.label}`,
    dataType: 'number',
    operationType: 'math',
    isBucketed: false,
    scale: 'ratio',
    params: { tinymathAst: tinymathAst(m.expr, ids) },
    references: [...ids.values()],
    customLabel: true,
  };
  columns[m.id] = {
    label: m.label,
    dataType: 'number',
    operationType: 'formula',
    isBucketed: false,
    scale: 'ratio',
    params: { formula: text, isFormulaBroken: false, format },
    references: [mathId],
    customLabel: true,
  };
  return { columns, order: [m.id, ...ids.values(), mathId] };
}

export function lensObject(p: LensPanel, dataViewId: string): Record<string, unknown> {
  const layerId = `${p.id}-layer`;
  const columns: Columns = {};
  const order: string[] = [];
  if (p.overTime) {
    columns.time = {
      label: '@timestamp',
      dataType: 'date',
      operationType: 'date_histogram',
      sourceField: '@timestamp',
      isBucketed: true,
      scale: 'interval',
      params: { interval: 'auto', includeEmptyRows: false, dropPartials: false },
    };
    order.push('time');
  }
  p.rows.forEach((r, i) => {
    columns[`row${i}`] = {
      label: r.label,
      customLabel: true,
      dataType: 'string',
      operationType: 'terms',
      sourceField: r.field,
      isBucketed: true,
      scale: 'ordinal',
      params: {
        size: r.size,
        orderBy: { type: 'alphabetical', fallback: false },
        orderDirection: 'asc',
        otherBucket: false,
        missingBucket: r.missing ?? false,
        parentFormat: { id: 'terms' },
        include: [],
        exclude: [],
        includeIsRegex: false,
        excludeIsRegex: false,
      },
    };
    order.push(`row${i}`);
  });
  for (const m of p.metrics) {
    const mc = metricColumns(m);
    Object.assign(columns, mc.columns);
    order.push(...mc.order);
  }
  return {
    type: 'lens',
    id: p.id,
    attributes: {
      title: p.title,
      description: '',
      visualizationType: p.chart === 'table' ? 'lnsDatatable' : 'lnsXY',
      state: {
        visualization: visualization(p, layerId),
        query: { query: p.filters.map(kql).join(' and '), language: 'kuery' },
        filters: [],
        datasourceStates: {
          formBased: { layers: { [layerId]: { columns, columnOrder: order, incompleteColumns: {}, sampling: 1 } } },
        },
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    references: [{ type: 'index-pattern', id: dataViewId, name: `indexpattern-datasource-layer-${layerId}` }],
    ...LENS_MIGRATION,
  };
}

function visualization(p: LensPanel, layerId: string): Record<string, unknown> {
  const metricIds = p.metrics.map((m) => m.id);
  if (p.chart === 'table')
    return {
      layerId,
      layerType: 'data',
      columns: [...(p.overTime ? ['time'] : []), ...p.rows.map((_, i) => `row${i}`), ...metricIds].map((columnId) => ({
        columnId,
      })),
    };
  // Over time: x is the date histogram and the first row splits the series; otherwise x is the first row.
  const x = p.overTime ? 'time' : 'row0';
  const split = p.overTime ? 'row0' : p.rows.length > 1 ? 'row1' : undefined;
  const seriesType = p.chart === 'line' ? 'line' : split ? 'bar_stacked' : 'bar';
  const visible = { x: true, yLeft: true, yRight: true };
  return {
    legend: { isVisible: true, position: 'right' },
    valueLabels: 'hide',
    fittingFunction: 'None',
    preferredSeriesType: seriesType,
    axisTitlesVisibilitySettings: visible,
    tickLabelsVisibilitySettings: visible,
    gridlinesVisibilitySettings: visible,
    xTitle: p.overTime ? '@timestamp' : p.rows[0].label,
    yTitle: p.metrics.map((m) => m.label).join(', '),
    layers: [
      {
        layerId,
        layerType: 'data',
        seriesType,
        xAccessor: x,
        accessors: metricIds,
        ...(split ? { splitAccessor: split } : {}),
      },
    ],
  };
}
