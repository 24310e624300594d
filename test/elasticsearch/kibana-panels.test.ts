import { Client, type estypes } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import type { AccessRecord } from '../../pipeline/records.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { trafficLines } from '../../pipeline/testing/mesh-traffic.ts';
import { elasticsearchConfig } from '../../exporters/elasticsearch/config.ts';
import { ElasticsearchExporter } from '../../exporters/elasticsearch/exporter.ts';
import { signalsConfig } from '../../processors/signals/config.ts';
import { SignalsEngine } from '../../processors/signals/engine.ts';
import { LineParser } from '../../processors/parse/line-parser.ts';
import { DASHBOARDS, esQuery, type Panel } from '../../deploy/kibana/panels.ts';
import { requestDoc } from '../support/docs.ts';

const prefix = `mlt-kibana-${Date.now().toString(36)}`;
const url = inject('esUrl');
const client = new Client({ node: url });
const indexed: Record<string, Array<Record<string, unknown>>> = {
  requests: [],
  hops: [],
  windows: [],
  decisions: [],
  deadletters: [],
};

/** A known dataset: requests with tenants and plans, hops with flags and workloads, windows and decisions from real signals. */
beforeAll(async () => {
  const hub = new SignalsEngine(signalsConfig.parse({}));
  const exporter = new ElasticsearchExporter(
    elasticsearchConfig.parse({ endpoints: [url], prefix, batch: { flushMs: 20 } }),
    testContext('elasticsearch'),
  );
  await exporter.start();
  const parser = new LineParser('auto');
  const T0 = Date.parse('2024-06-01T00:00:00.000Z');
  const hops = [
    ...trafficLines({
      service: 'cart',
      subset: 'v1',
      requests: 300,
      errorRate: 0.02,
      startMs: T0,
      spacingMs: 50,
      seed: 1,
      source: '10.0.0.1',
    }),
    ...trafficLines({
      service: 'cart',
      subset: 'v2',
      requests: 300,
      errorRate: 0.2,
      abortRate: 0.05,
      startMs: T0,
      spacingMs: 50,
      seed: 2,
      source: '10.0.0.2',
    }),
    ...trafficLines({
      service: 'pay',
      subset: '',
      route: '/charge',
      requests: 80,
      errorRate: 0.9,
      startMs: T0 + 3000,
      spacingMs: 20,
      seed: 3,
      source: '10.0.0.3',
    }),
  ].map((l, i) => ({
    ...(parser.parse(l) as { ok: true; record: AccessRecord }).record,
    'mesh.source.workload': ['web', 'api', 'batch'][i % 3],
  }));
  hub.observe(hops);
  hub.canary({ namespace: 'shop', service: 'cart', canary: 'v2', baseline: 'v1', window: '5m' });
  const requests = Array.from({ length: 400 }, (_, i) => ({
    ...requestDoc(i),
    'labels.plan': ['gold', 'free'][i % 2],
    'event.duration': (i % 50) * 1_000_000,
  }));
  const batch = createBatch([...requests, ...hops, ...hub.takeWindows(), ...hub.takeDecisions()]);
  await exporter.consume(batch);
  await batch.ack.settled;
  await exporter.shutdown();
  await client.indices.refresh({ index: `${prefix}-*` });
  for (const kind of Object.keys(indexed)) {
    const res = await client.search({ index: `${prefix}-${kind}`, size: 10_000, ignore_unavailable: true });
    indexed[kind] = res.hits.hits.map((h) => h._source as Record<string, unknown>);
  }
});
afterAll(async () => {
  await client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
  await client.close();
});

/** Values at a dotted path in a document with flat dotted keys and arrays of objects (`mesh.hops.service`). */
function valuesAt(d: unknown, path: string): unknown[] {
  if (Array.isArray(d)) return d.flatMap((x) => valuesAt(x, path));
  if (!d || typeof d !== 'object') return [];
  const o = d as Record<string, unknown>;
  if (path in o)
    return Array.isArray(o[path]) ? (o[path] as unknown[]) : o[path] === null || o[path] === undefined ? [] : [o[path]];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join('.');
    if (head in o) return valuesAt(o[head], parts.slice(i).join('.'));
  }
  return [];
}

/** The panel's aggregation computed in memory over the documents that were indexed. */
function expected(p: Panel, docs: Array<Record<string, unknown>>): Map<string, number> {
  const f = p.filter as { term?: Record<string, unknown>; terms?: Record<string, unknown[]> } | undefined;
  const keep = docs.filter((d) => {
    if (f?.term) return Object.entries(f.term).every(([k, v]) => d[k] === v);
    if (f?.terms) return Object.entries(f.terms).every(([k, vs]) => vs.includes(d[k]));
    return true;
  });
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const d of keep) {
    let keys: string[][] = [[]];
    for (const b of p.buckets) {
      const vals =
        b.type === 'terms'
          ? [...new Set(valuesAt(d, b.field).map(String))]
          : [String(Math.floor(Date.parse(String(d['@timestamp'])) / 10_000) * 10_000)];
      keys = keys.flatMap((k) => vals.map((v) => [...k, v]));
    }
    for (const k of keys) groups.set(k.join(' / '), [...(groups.get(k.join(' / ')) ?? []), d]);
  }
  const out = new Map<string, number>();
  for (const [k, ds] of groups) {
    const m = p.metric;
    const vals =
      m.type === 'count' || m.type === 'percentiles'
        ? []
        : ds.map((d) => d[m.field]).filter((v): v is number => typeof v === 'number');
    out.set(
      k,
      m.type === 'count'
        ? ds.length
        : m.type === 'sum'
          ? vals.reduce((a, b) => a + b, 0)
          : m.type === 'max'
            ? Math.max(...vals)
            : m.type === 'avg'
              ? vals.reduce((a, b) => a + b, 0) / vals.length
              : NaN,
    );
  }
  return out;
}

/** The same, as Elasticsearch computes it (top-N buckets flattened). */
function flatten(
  agg: Record<string, any>,
  depth: number,
  path: string[] = [],
  out = new Map<string, number>(),
): Map<string, number> {
  for (const b of agg[`b${depth}`].buckets) {
    const key = [...path, String(b.key_as_string !== undefined ? b.key : b.key)];
    if (agg[`b${depth}`] && b[`b${depth + 1}`]) flatten(b, depth + 1, key, out);
    else out.set(key.join(' / '), b.m ? (b.m.value ?? b.m.values) : b.doc_count);
  }
  return out;
}

describe('Kibana panels, run as the aggregations they stand for against real Elasticsearch', () => {
  const panels = DASHBOARDS.flatMap((d) => d.panels.map((p) => ({ dashboard: d.title, ...p })));

  it('loaded a dataset every panel has data for', () => {
    expect(indexed.requests).toHaveLength(400);
    expect(indexed.hops).toHaveLength(680);
    expect(indexed.windows.length).toBeGreaterThan(3);
    expect(indexed.decisions.map((d) => d['decision.type']).sort()).toContain('canary');
    expect(indexed.decisions.some((d) => d['decision.type'] === 'breaker')).toBe(true);
  });

  it.each(panels.filter((p) => p.metric.type !== 'percentiles'))('$dashboard / $title', async (p) => {
    const { query, aggs } = esQuery(p);
    const res = await client.search({
      index: `${prefix}-${p.dataView}`,
      size: 0,
      query,
      aggs: aggs as Record<string, estypes.AggregationsAggregationContainer>,
    });
    const got = flatten(res.aggregations as Record<string, any>, 0);
    const want = expected(p, indexed[p.dataView]);
    expect(got.size).toBeGreaterThan(0);
    for (const [k, v] of got) expect(v, k).toBeCloseTo(want.get(k)!, 6);
  });

  it.each(panels.filter((p) => p.metric.type === 'percentiles'))(
    '$dashboard / $title (percentiles within 2%)',
    async (p) => {
      const { query, aggs } = esQuery(p);
      const res = await client.search({
        index: `${prefix}-${p.dataView}`,
        size: 0,
        query,
        aggs: aggs as Record<string, estypes.AggregationsAggregationContainer>,
      });
      const got = flatten(res.aggregations as Record<string, any>, 0);
      expect(got.size).toBeGreaterThan(0);
      const field = (p.metric as { field: string }).field;
      for (const [k, values] of got as Map<string, unknown>) {
        const bucketField = (p.buckets[0] as { field: string }).field;
        const docs = indexed[p.dataView]
          .filter((d) => valuesAt(d, bucketField).map(String).includes(k))
          .map((d) => d[field] as number)
          .sort((a, b) => a - b);
        for (const [pct, v] of Object.entries(values as Record<string, number>)) {
          const exact = docs[Math.round((Number(pct) / 100) * (docs.length - 1))];
          expect(Math.abs(v - exact), `${k} p${pct}`).toBeLessThanOrEqual(Math.max(0.02 * exact, 1_000_000));
        }
      }
    },
  );
});
