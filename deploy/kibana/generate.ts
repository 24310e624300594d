import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kql } from './formula.ts';
import { LENS_MIGRATION, lensObject } from './lens.ts';
import { DASHBOARDS, DATA_VIEWS, type Dashboard, type SearchPanel } from './panels.ts';

export type SavedObject = {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
} & Record<string, unknown>;

/** Where meshlog's admin server (signals API and web UI) is reached from a browser. */
export const DEFAULT_MESHLOG_URL = 'http://localhost:8686';

/**
 * The decisions data view's `canary.view` runtime field: the query string of meshlog's canary view
 * for a canary verdict (namespace, service, canary, baseline). Its URL format prefixes the admin
 * server's address, so only the data view changes when meshlog moves.
 */
const CANARY_VIEW_SCRIPT = [
  "if (doc['decision.type'].size() == 0 || doc['decision.type'].value != 'canary') return;",
  "String ns = doc['mesh.destination.namespace'].size() == 0 ? '' : doc['mesh.destination.namespace'].value;",
  "if (doc['mesh.destination.service'].size() == 0 || doc['canary.subset'].size() == 0 || doc['baseline.subset'].size() == 0) return;",
  "emit('namespace=' + ns + '&service=' + doc['mesh.destination.service'].value + '&canary=' + doc['canary.subset'].value + '&baseline=' + doc['baseline.subset'].value);",
].join(' ');

export function canaryViewFormat(meshlogUrl: string): Record<string, unknown> {
  return {
    id: 'url',
    params: {
      type: 'a',
      urlTemplate: `${meshlogUrl.replace(/\/$/, '')}/#/canary?{{rawValue}}`,
      labelTemplate: 'open in meshlog',
    },
  };
}

function dataView(id: keyof typeof DATA_VIEWS, meshlogUrl: string): SavedObject {
  const name = DATA_VIEWS[id];
  const canaryLink = id === 'decisions';
  return {
    type: 'index-pattern',
    id,
    attributes: {
      title: `${name}*`,
      name,
      timeFieldName: '@timestamp',
      runtimeFieldMap: JSON.stringify(
        canaryLink ? { 'canary.view': { type: 'keyword', script: { source: CANARY_VIEW_SCRIPT } } } : {},
      ),
      fieldFormatMap: JSON.stringify(canaryLink ? { 'canary.view': canaryViewFormat(meshlogUrl) } : {}),
    },
    references: [],
    coreMigrationVersion: '8.8.0',
    typeMigrationVersion: '8.0.0',
  };
}

function savedSearch(p: SearchPanel): SavedObject {
  return {
    type: 'search',
    id: p.id,
    attributes: {
      title: p.title,
      description: '',
      columns: p.columns,
      sort: [['@timestamp', 'desc']],
      grid: {},
      hideChart: true,
      isTextBasedQuery: false,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query: p.filters.map(kql).join(' and '), language: 'kuery' },
          filter: [],
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        }),
      },
    },
    references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: p.dataView }],
    coreMigrationVersion: '8.8.0',
    typeMigrationVersion: '8.0.0',
  };
}

/** The navigation strip on top of each dashboard: links to the others (relative, so they stay in the space). */
export function navMarkdown(current: Dashboard, meshlogUrl: string): string {
  const links = DASHBOARDS.map((d) => {
    const name = d.title.replace(/^meshlog: /, '');
    return d.id === current.id ? `**${name}**` : `[${name}](#/view/${d.id})`;
  }).join(' · ');
  const base = meshlogUrl.replace(/\/$/, '');
  const canary =
    current.id === 'meshlog-canary'
      ? `\n\nEach verdict's **canary.view** link opens it in [meshlog's canary view](${base}/#/canary), ` +
        'which /v1/canary answers from the same windows.'
      : '';
  return `meshlog dashboards: ${links}${canary}`;
}

function nav(d: Dashboard, meshlogUrl: string): SavedObject {
  const title = `${d.title}: navigation`;
  return {
    type: 'visualization',
    id: `${d.id}-nav`,
    attributes: {
      title,
      description: '',
      visState: JSON.stringify({
        title,
        type: 'markdown',
        aggs: [],
        params: { fontSize: 12, openLinksInNewTab: false, markdown: navMarkdown(d, meshlogUrl) },
      }),
      uiStateJSON: '{}',
      version: 1,
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: [],
    coreMigrationVersion: '8.8.0',
    typeMigrationVersion: '8.5.0',
  };
}

function dashboard(d: Dashboard): SavedObject {
  const panels: Array<{ type: string; id: string; gridData: { x: number; y: number; w: number; h: number } }> = [
    { type: 'visualization', id: `${d.id}-nav`, gridData: { x: 0, y: 0, w: 48, h: 4 } },
  ];
  let x = 0;
  let y = 4;
  for (const p of d.panels) {
    const w = p.kind === 'search' ? 48 : 24;
    if (x + w > 48) {
      x = 0;
      y += 15;
    }
    panels.push({ type: p.kind === 'search' ? 'search' : 'lens', id: p.id, gridData: { x, y, w, h: 15 } });
    x += w;
  }
  return {
    type: 'dashboard',
    id: d.id,
    attributes: {
      title: d.title,
      description: d.description,
      timeRestore: false,
      version: 1,
      panelsJSON: JSON.stringify(
        panels.map((p, i) => ({
          version: '8.11.0',
          type: p.type,
          gridData: { ...p.gridData, i: String(i) },
          panelIndex: String(i),
          embeddableConfig: { enhancements: {} },
          panelRefName: `panel_${i}`,
        })),
      ),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, hidePanelTitles: false }),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: panels.map((p, i) => ({ name: `panel_${i}`, type: p.type, id: p.id })),
    ...LENS_MIGRATION,
  };
}

/** Kibana saved objects: a data view per index pattern, a Lens object or Discover session per panel, a dashboard per question. */
export function savedObjects(opts: { meshlogUrl?: string } = {}): SavedObject[] {
  const meshlogUrl = opts.meshlogUrl ?? DEFAULT_MESHLOG_URL;
  const objects: SavedObject[] = (Object.keys(DATA_VIEWS) as Array<keyof typeof DATA_VIEWS>).map((id) =>
    dataView(id, meshlogUrl),
  );
  for (const d of DASHBOARDS) {
    objects.push(nav(d, meshlogUrl));
    for (const p of d.panels)
      objects.push(p.kind === 'lens' ? (lensObject(p, p.dataView) as SavedObject) : savedSearch(p));
    objects.push(dashboard(d));
  }
  return objects;
}

export function renderNdjson(opts: { meshlogUrl?: string } = {}): string {
  return (
    savedObjects(opts)
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n'
  );
}

// `node deploy/kibana/generate.ts [--meshlog-url URL] [--out FILE]` rewrites the shipped file (or writes FILE).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'meshlog-url': { type: 'string' }, out: { type: 'string' } } });
  writeFileSync(
    values.out ?? new URL('./meshlog.ndjson', import.meta.url),
    renderNdjson({ meshlogUrl: values['meshlog-url'] }),
  );
}
