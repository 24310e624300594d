import { writeFileSync } from 'node:fs';
import { DASHBOARDS, DATA_VIEWS, type Panel } from './panels.ts';

/** Kibana saved objects (NDJSON): a data view per index pattern, a visualization per panel, a dashboard per group. */
export function savedObjects(): Array<Record<string, unknown>> {
  const objects: Array<Record<string, unknown>> = [];
  for (const [id, title] of Object.entries(DATA_VIEWS)) {
    objects.push({
      type: 'index-pattern',
      id,
      attributes: { title: `${title}*`, timeFieldName: '@timestamp', name: title },
      references: [],
    });
  }
  for (const d of DASHBOARDS) {
    for (const p of d.panels) objects.push(visualization(p));
    objects.push({
      type: 'dashboard',
      id: d.id,
      attributes: {
        title: d.title,
        description: d.description,
        timeRestore: false,
        panelsJSON: JSON.stringify(
          d.panels.map((p, i) => ({
            panelIndex: String(i),
            gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15, i: String(i) },
            panelRefName: `panel_${i}`,
            embeddableConfig: {},
          })),
        ),
        optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
        kibanaSavedObjectMeta: {
          searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
        },
      },
      references: d.panels.map((p, i) => ({ name: `panel_${i}`, type: 'visualization', id: p.id })),
    });
  }
  return objects;
}

const KIBANA_CHART = { line: 'line', histogram: 'histogram', table: 'table', pie: 'pie', metric: 'metric' } as const;

function visualization(p: Panel): Record<string, unknown> {
  const aggs: Array<Record<string, unknown>> = [];
  const m = p.metric;
  aggs.push({
    id: '1',
    enabled: true,
    type: m.type,
    schema: 'metric',
    params:
      m.type === 'count'
        ? {}
        : m.type === 'percentiles'
          ? { field: m.field, percents: m.percents }
          : { field: m.field },
  });
  p.buckets.forEach((b, i) => {
    const schema = p.chart === 'table' ? 'bucket' : p.chart === 'pie' ? 'segment' : i === 0 ? 'segment' : 'group';
    aggs.push({
      id: String(i + 2),
      enabled: true,
      type: b.type,
      schema,
      params:
        b.type === 'terms'
          ? { field: b.field, size: b.size, order: 'desc', orderBy: '1' }
          : { field: b.field, interval: b.interval, min_doc_count: 1 },
    });
  });
  const filter = p.filter
    ? [
        {
          meta: {
            type: 'custom',
            disabled: false,
            negate: false,
            alias: null,
            key: 'query',
            value: JSON.stringify(p.filter),
            indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index',
          },
          query: p.filter,
        },
      ]
    : [];
  return {
    type: 'visualization',
    id: p.id,
    attributes: {
      title: p.title,
      visState: JSON.stringify({ title: p.title, type: KIBANA_CHART[p.chart], aggs, params: {} }),
      uiStateJSON: '{}',
      description: '',
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query: '', language: 'kuery' },
          filter,
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        }),
      },
    },
    references: [
      { name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: p.dataView },
      ...(p.filter
        ? [
            {
              name: 'kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index',
              type: 'index-pattern',
              id: p.dataView,
            },
          ]
        : []),
    ],
  };
}

export function renderNdjson(): string {
  return (
    savedObjects()
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n'
  );
}

// `node deploy/kibana/generate.ts` rewrites the shipped file.
if (import.meta.url === `file://${process.argv[1]}`)
  writeFileSync(new URL('./meshlog.ndjson', import.meta.url), renderNdjson());
