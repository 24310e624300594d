import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { count, div, esAggs, evaluate, formulaText, kql, percentile, sum } from './formula.ts';
import { DEFAULT_MESHLOG_URL, renderNdjson, savedObjects, type SavedObject } from './generate.ts';
import { DASHBOARDS, lensPanels } from './panels.ts';

const shipped = readFileSync(new URL('./meshlog.ndjson', import.meta.url), 'utf8');
const objects = shipped
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as SavedObject);
const ofType = (t: string) => objects.filter((o) => o.type === t);

type Column = Record<string, unknown> & {
  label: string;
  operationType: string;
  isBucketed: boolean;
  dataType: string;
  references?: string[];
  params?: Record<string, unknown>;
};
interface LensState {
  visualization: Record<string, unknown>;
  query: { query: string; language: string };
  datasourceStates: {
    formBased: { layers: Record<string, { columns: Record<string, Column>; columnOrder: string[] }> };
  };
}
const lensState = (o: SavedObject) => o.attributes.state as LensState;
const onlyLayer = (o: SavedObject) => {
  const layers = Object.entries(lensState(o).datasourceStates.formBased.layers);
  expect(layers).toHaveLength(1);
  return { layerId: layers[0][0], ...layers[0][1] };
};

/** Ids a tinymath AST refers to (strings are column ids; numbers are constants). */
function astIds(ast: unknown): string[] {
  if (typeof ast === 'string') return [ast];
  if (ast && typeof ast === 'object' && 'args' in ast) return (ast.args as unknown[]).flatMap(astIds);
  return [];
}

describe('Kibana saved objects', () => {
  it('the shipped NDJSON is what the generator makes (run node deploy/kibana/generate.ts)', () => {
    expect(shipped).toBe(renderNdjson());
  });

  it('every object has a type, an id, attributes and a migration version; ids are unique per type', () => {
    for (const o of objects) {
      expect(typeof o.type).toBe('string');
      expect(typeof o.id).toBe('string');
      expect(o.attributes && typeof o.attributes).toBe('object');
      expect(o.typeMigrationVersion, o.id).toMatch(/^8\.\d+\.\d+$/);
    }
    expect(new Set(objects.map((o) => `${o.type}:${o.id}`)).size).toBe(objects.length);
  });

  it('every reference resolves, and every dashboard panel has its reference', () => {
    const have = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects)
      for (const r of o.references) expect(have, `${o.id} → ${r.type}:${r.id}`).toContain(`${r.type}:${r.id}`);
    for (const d of ofType('dashboard')) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as Array<{ panelRefName: string; type: string }>;
      expect(panels.map((p) => p.panelRefName).sort()).toEqual(d.references.map((r) => r.name).sort());
      for (const p of panels) expect(d.references.find((r) => r.name === p.panelRefName)!.type).toBe(p.type);
    }
  });

  it('has one dashboard per question and a data view per index pattern', () => {
    expect(ofType('dashboard').map((o) => o.attributes.title)).toEqual([
      'meshlog: Mesh routes',
      'meshlog: Canary',
      'meshlog: Failures',
      'meshlog: Business',
    ]);
    expect(ofType('index-pattern').map((o) => o.attributes.title)).toEqual([
      'meshlog-requests*',
      'meshlog-hops*',
      'meshlog-windows*',
      'meshlog-decisions*',
      'meshlog-deadletters*',
    ]);
  });

  it('every chart is a Lens object: no aggregation-based visualization but the markdown navigation', () => {
    expect(ofType('lens')).toHaveLength(lensPanels().length);
    for (const v of ofType('visualization')) expect(JSON.parse(v.attributes.visState as string).type).toBe('markdown');
    for (const o of ofType('lens')) expect(['lnsXY', 'lnsDatatable']).toContain(o.attributes.visualizationType);
  });
});

describe('Lens attributes follow the persisted formBased format', () => {
  it.each(ofType('lens').map((o) => [o.id, o] as const))('%s', (_id, o) => {
    const { layerId, columns, columnOrder } = onlyLayer(o);
    // The layer's data view is referenced by Lens's naming convention.
    expect(o.references).toEqual([
      { type: 'index-pattern', id: expect.any(String), name: `indexpattern-datasource-layer-${layerId}` },
    ]);
    expect(new Set(columnOrder)).toEqual(new Set(Object.keys(columns)));
    for (const [id, c] of Object.entries(columns)) {
      expect(typeof c.label, id).toBe('string');
      expect(typeof c.isBucketed, id).toBe('boolean');
      expect(['number', 'string', 'date']).toContain(c.dataType);
      expect(['terms', 'date_histogram', 'count', 'sum', 'percentile', 'formula', 'math']).toContain(c.operationType);
      if (['sum', 'percentile', 'terms', 'date_histogram'].includes(c.operationType))
        expect(typeof c.sourceField, id).toBe('string');
      if (c.operationType === 'count') expect(c.sourceField).toBe('___records___');
      if (c.operationType === 'percentile') expect(c.params).toMatchObject({ percentile: expect.any(Number) });
      if (c.operationType === 'formula') {
        // formula → one math column → the aggregation columns its AST names.
        expect(c.params).toMatchObject({ formula: expect.any(String), isFormulaBroken: false });
        expect(c.references).toHaveLength(1);
        const math = columns[c.references![0]];
        expect(math.operationType).toBe('math');
        const ids = astIds((math.params as { tinymathAst: unknown }).tinymathAst);
        expect(new Set(ids)).toEqual(new Set(math.references));
        for (const r of math.references!) {
          expect(['count', 'sum', 'percentile']).toContain(columns[r].operationType);
          expect(r.startsWith(`${id}X`)).toBe(true);
        }
      }
    }
    const vis = lensState(o).visualization;
    if (o.attributes.visualizationType === 'lnsDatatable') {
      expect(vis.layerId).toBe(layerId);
      const shown = (vis.columns as Array<{ columnId: string }>).map((c) => c.columnId);
      const hidden = Object.entries(columns).filter(([id, c]) => c.operationType === 'math' || /X\d+$/.test(id));
      expect(new Set([...shown, ...hidden.map(([id]) => id)])).toEqual(new Set(columnOrder));
    } else {
      const [layer] = vis.layers as Array<{
        layerId: string;
        xAccessor: string;
        accessors: string[];
        splitAccessor?: string;
      }>;
      expect(layer.layerId).toBe(layerId);
      expect(columns[layer.xAccessor].isBucketed).toBe(true);
      if (layer.splitAccessor) expect(columns[layer.splitAccessor].isBucketed).toBe(true);
      for (const a of layer.accessors) expect(columns[a].isBucketed).toBe(false);
      expect(vis.yTitle).toMatch(/\((count|%|ms)\)/);
    }
  });
});

describe('the numbers are the right ones', () => {
  const metrics = lensPanels().flatMap((p) => p.metrics.map((m) => ({ panel: p, m })));

  it('no panel averages or maxes anything: rates are ratios of sums, percentiles come from durations', () => {
    for (const o of ofType('lens'))
      for (const c of Object.values(onlyLayer(o).columns))
        expect(['average', 'max', 'min', 'median', 'last_value']).not.toContain(c.operationType);
    for (const { panel, m } of metrics.filter((x) => x.m.format === 'percent'))
      expect(formulaText(m.expr), panel.id).toMatch(/^\(?(sum|count)\(.*\) \/ \(?(sum|count)\(/);
    for (const { m } of metrics.filter((x) => x.m.format === 'ms'))
      expect(formulaText(m.expr)).toMatch(/^percentile\(event\.duration, percentile=\d+\) \/ 1000000$/);
  });

  it('the route error rate is (app + mesh errors) over judged requests, summed over the range', () => {
    const routes = lensPanels().find((p) => p.id === 'routes-table')!;
    expect(formulaText(routes.metrics.find((m) => m.id === 'error_rate')!.expr)).toBe(
      '(sum(errors.app) + sum(errors.mesh)) / (sum(requests) - sum(errors.client_abort))',
    );
    const edges = lensPanels().find((p) => p.id === 'failures-edges')!;
    expect(formulaText(edges.metrics.find((m) => m.id === 'error_rate')!.expr)).toBe(
      `count(kql='mesh.error_class : ("app" or "mesh")') / count(kql='not mesh.error_class : "client_abort"')`,
    );
  });

  it('every metric label and every panel title carries its unit (count, %, ms)', () => {
    for (const { m } of metrics) expect(m.label).toMatch(/\((count|%|ms)\)$|, app \+ mesh \(count\)$/);
    for (const p of lensPanels()) expect(p.title).toMatch(/\(.*(count|%|ms).*\)/);
    for (const o of ofType('lens'))
      for (const c of Object.values(onlyLayer(o).columns).filter((c) => c.operationType === 'formula'))
        expect((c.params as { format: { id: string } }).format.id).toMatch(/^(number|percent)$/);
  });

  it('panel filters are KQL Kibana parses: exact matches on keyword fields', () => {
    expect(kql({ field: 'mesh.direction', values: ['outbound', 'gateway'] })).toBe(
      'mesh.direction : ("outbound" or "gateway")',
    );
    const routesLatency = ofType('lens').find((o) => o.id === 'routes-latency')!;
    expect(lensState(routesLatency).query).toEqual({
      query: 'mesh.direction : ("outbound" or "gateway")',
      language: 'kuery',
    });
  });
});

describe('the test side of a formula: Elasticsearch aggregations and the arithmetic Lens does on them', () => {
  const failed = { field: 'mesh.error_class', values: ['app', 'mesh'] };
  const rate = div(count(failed), sum('requests'));

  it('sends each part once, filtered parts as filter aggregations', () => {
    expect(esAggs(rate)).toEqual({
      x0: { filter: { terms: { 'mesh.error_class': ['app', 'mesh'] } } },
      x1: { sum: { field: 'requests' } },
    });
    expect(esAggs(percentile('event.duration', 99))).toEqual({
      x0: { percentiles: { field: 'event.duration', percents: [99] } },
    });
  });

  it('divides sums, and gives no number (Lens shows "-") for an empty denominator or percentile', () => {
    expect(evaluate(rate, { doc_count: 9, x0: { doc_count: 3 }, x1: { value: 12 } })).toBe(0.25);
    expect(evaluate(rate, { doc_count: 0, x0: { doc_count: 0 }, x1: { value: 0 } })).toBeNull();
    const p = div(percentile('event.duration', 50), 1_000_000);
    expect(evaluate(p, { doc_count: 1, x0: { values: { '50.0': 7_500_000 } } })).toBe(7.5);
    expect(evaluate(p, { doc_count: 0, x0: { values: { '50.0': null } } })).toBeNull();
  });
});

describe('links', () => {
  it('each dashboard links to the three others, relative to the dashboards app', () => {
    for (const d of DASHBOARDS) {
      const nav = objects.find((o) => o.id === `${d.id}-nav`)!;
      const md = JSON.parse(nav.attributes.visState as string).params.markdown as string;
      for (const other of DASHBOARDS.filter((x) => x.id !== d.id)) expect(md).toContain(`(#/view/${other.id})`);
      expect(md).not.toContain(`(#/view/${d.id})`);
      const panels = JSON.parse(objects.find((o) => o.id === d.id)!.attributes.panelsJSON as string) as Array<{
        panelRefName: string;
      }>;
      const ref = objects.find((o) => o.id === d.id)!.references.find((r) => r.name === panels[0].panelRefName)!;
      expect(ref.id).toBe(`${d.id}-nav`);
    }
  });

  it("the canary verdicts link to meshlog's canary view, at an address chosen when generating", () => {
    const decisions = (url?: string) => savedObjects({ meshlogUrl: url }).find((o) => o.id === 'decisions')!;
    const runtime = JSON.parse(decisions().attributes.runtimeFieldMap as string);
    expect(runtime['canary.view'].type).toBe('keyword');
    for (const k of ['namespace=', '&service=', '&canary=', '&baseline='])
      expect(runtime['canary.view'].script.source).toContain(k);
    expect(JSON.parse(decisions().attributes.fieldFormatMap as string)['canary.view'].params.urlTemplate).toBe(
      `${DEFAULT_MESHLOG_URL}/#/canary?{{rawValue}}`,
    );
    expect(
      JSON.parse(decisions('https://meshlog.example/').attributes.fieldFormatMap as string)['canary.view'].params
        .urlTemplate,
    ).toBe('https://meshlog.example/#/canary?{{rawValue}}');
    const evidence = objects.find((o) => o.id === 'canary-evidence')!;
    expect(evidence.attributes.columns).toEqual(expect.arrayContaining(['verdict', 'score', 'reason', 'canary.view']));
    const canaryNav = savedObjects({ meshlogUrl: 'https://meshlog.example' }).find(
      (o) => o.id === 'meshlog-canary-nav',
    )!;
    expect(canaryNav.attributes.visState).toContain('https://meshlog.example/#/canary');
  });
});
