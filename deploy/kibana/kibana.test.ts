import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderNdjson } from './generate.ts';
import { DASHBOARDS } from './panels.ts';

const shipped = readFileSync(new URL('./meshlog.ndjson', import.meta.url), 'utf8');
const objects = shipped
  .trim()
  .split('\n')
  .map(
    (l) =>
      JSON.parse(l) as {
        type: string;
        id: string;
        attributes: Record<string, unknown>;
        references: Array<{ name: string; type: string; id: string }>;
      },
  );

describe('Kibana saved objects', () => {
  it('the shipped NDJSON is what the generator makes (run node deploy/kibana/generate.ts)', () => {
    expect(shipped).toBe(renderNdjson());
  });

  it('every object has a type, an id and attributes, and ids are unique per type', () => {
    for (const o of objects) {
      expect(typeof o.type).toBe('string');
      expect(typeof o.id).toBe('string');
      expect(o.attributes && typeof o.attributes).toBe('object');
    }
    expect(new Set(objects.map((o) => `${o.type}:${o.id}`)).size).toBe(objects.length);
  });

  it('every reference resolves, and every panel reference of a dashboard is used', () => {
    const have = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects)
      for (const r of o.references) expect(have, `${o.id} → ${r.type}:${r.id}`).toContain(`${r.type}:${r.id}`);
    for (const d of objects.filter((o) => o.type === 'dashboard')) {
      const panels = JSON.parse(d.attributes.panelsJSON as string) as Array<{ panelRefName: string }>;
      expect(panels.map((p) => p.panelRefName).sort()).toEqual(d.references.map((r) => r.name).sort());
    }
  });

  it('has the four dashboards, a data view per index pattern, and parseable visualizations', () => {
    expect(objects.filter((o) => o.type === 'dashboard').map((o) => o.attributes.title)).toEqual([
      'meshlog: Mesh routes',
      'meshlog: Canary',
      'meshlog: Failures',
      'meshlog: Business',
    ]);
    expect(objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title)).toEqual([
      'meshlog-requests*',
      'meshlog-hops*',
      'meshlog-windows*',
      'meshlog-decisions*',
      'meshlog-deadletters*',
    ]);
    const vis = objects.filter((o) => o.type === 'visualization');
    expect(vis).toHaveLength(DASHBOARDS.reduce((n, d) => n + d.panels.length, 0));
    for (const v of vis) expect(JSON.parse(v.attributes.visState as string).aggs.length).toBeGreaterThan(0);
  });
});
