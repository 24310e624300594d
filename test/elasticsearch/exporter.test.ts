import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { elasticsearchConfig } from '../../exporters/elasticsearch/config.ts';
import { ElasticsearchExporter } from '../../exporters/elasticsearch/exporter.ts';
import { CHAOS_URL, chaos } from '../support/es-chaos.ts';
import { hop, requestDoc } from '../support/docs.ts';

const prefix = (name: string) => `mlt-${name}-${Date.now().toString(36)}`;

async function deliver(exporter: ElasticsearchExporter, records: unknown[], batchSize = 250): Promise<string[]> {
  const acks = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const b = createBatch(records.slice(i, i + batchSize));
    await exporter.consume(b);
    acks.push(b.ack.settled);
  }
  return (await Promise.all(acks)).map((o) => o.status);
}

async function ids(client: Client, index: string): Promise<string[]> {
  await client.indices.refresh({ index });
  const out: string[] = [];
  let res = await client.search({ index, size: 5000, _source: false, scroll: '30s', query: { match_all: {} } });
  while (res.hits.hits.length) {
    out.push(...res.hits.hits.map((h) => h._id!));
    res = await client.scroll({ scroll_id: res._scroll_id!, scroll: '30s' });
  }
  return out;
}

describe('Elasticsearch exporter against the shared Elasticsearch', () => {
  const url = inject('esUrl');
  const client = new Client({ node: url });
  afterAll(async () => {
    await client.indices.deleteDataStream({ name: 'mlt-*' }).catch(() => undefined);
    await client.indices.delete({ index: 'mlt-*' }).catch(() => undefined);
    await client.close();
  });

  it.each(['datastream', 'alias'] as const)(
    'N requests in give exactly N RequestDocs with the expected ids, and a re-send duplicates nothing (%s layout for hops)',
    async (appendOnly) => {
      const p = prefix(appendOnly);
      const ctx = testContext('elasticsearch');
      const exporter = new ElasticsearchExporter(
        elasticsearchConfig.parse({ endpoints: [url], prefix: p, appendOnly, batch: { maxDocs: 300, flushMs: 50 } }),
        ctx,
      );
      await exporter.start();
      expect(exporter.layout?.appendOnly).toBe(appendOnly);
      const N = 1500;
      const records = [
        ...Array.from({ length: N }, (_, i) => requestDoc(i, i % 3)),
        ...Array.from({ length: 500 }, (_, i) => hop(i)),
      ];
      expect(new Set(await deliver(exporter, records))).toEqual(new Set(['delivered']));
      const first = await ids(client, `${p}-requests`);
      expect(first.sort()).toEqual(Array.from({ length: N }, (_, i) => `req-${i}`).sort());
      expect((await ids(client, `${p}-hops`)).length).toBe(500);
      // The same documents again (a redelivery): overwritten or answered 409, never duplicated.
      await deliver(exporter, records);
      expect((await ids(client, `${p}-requests`)).length).toBe(N);
      expect((await ids(client, `${p}-hops`)).length).toBe(500);
      const dayIndices = Object.keys(await client.indices.get({ index: `${p}-requests-*` }));
      expect(dayIndices.sort()).toEqual([
        `${p}-requests-2024.06.01`,
        `${p}-requests-2024.06.02`,
        `${p}-requests-2024.06.03`,
      ]);
      // This distribution indexes into data streams but has no data-stream API; the backing index shows it.
      const hopIndices = Object.keys(await client.indices.get({ index: `${p}-hops*`, expand_wildcards: 'all' }));
      expect(
        hopIndices.every((i) =>
          appendOnly === 'datastream' ? i.startsWith(`.ds-${p}-hops-`) : i.startsWith(`${p}-hops-2024.`),
        ),
      ).toBe(true);
      await exporter.shutdown();
    },
  );

  it('never lets a RequestDoc with fewer parts (a partial replay) overwrite a whole one; a fuller one does', async () => {
    const p = prefix('versions');
    const exporter = new ElasticsearchExporter(
      elasticsearchConfig.parse({ endpoints: [url], prefix: p, batch: { flushMs: 50 } }),
      testContext('elasticsearch'),
    );
    await exporter.start();
    const one = requestDoc(1);
    const hop0 = one['mesh.hops'][0];
    const withHops = (n: number) => ({
      ...one,
      'mesh.hops': Array.from({ length: n }, (_, index) => ({ ...hop0, index })),
    });
    const [partial, whole, fuller] = [withHops(1), withHops(2), withHops(3)];
    const hops = whole['mesh.hops'];
    const stored = async () => {
      await client.indices.refresh({ index: `${p}-requests` });
      const res = await client.search<{ 'mesh.hops': unknown[] }>({ index: `${p}-requests` });
      return res.hits.hits.map((h) => h._source!['mesh.hops'].length);
    };
    expect(await deliver(exporter, [whole])).toEqual(['delivered']);
    // The replay's copy is refused by Elasticsearch (409): done, not dead-lettered.
    expect(await deliver(exporter, [partial])).toEqual(['delivered']);
    expect(await stored()).toEqual([hops.length]);
    expect(await deliver(exporter, [fuller])).toEqual(['delivered']);
    expect(await stored()).toEqual([hops.length + 1]);
    expect(await client.count({ index: `${p}-deadletters*` }).catch(() => ({ count: 0 }))).toMatchObject({ count: 0 });
    await exporter.shutdown();
  });

  it('sends a mapping conflict to the dead-letter index with its reason and the original document', async () => {
    const p = prefix('dlq');
    const exporter = new ElasticsearchExporter(
      elasticsearchConfig.parse({ endpoints: [url], prefix: p, batch: { flushMs: 50 } }),
      testContext('elasticsearch'),
    );
    await exporter.start();
    const bad = { ...hop(7), 'http.response.status_code': 'two hundred' };
    expect(await deliver(exporter, [hop(1), bad, hop(2)])).toEqual(['delivered']);
    await client.indices.refresh({ index: `${p}-*` });
    expect((await ids(client, `${p}-hops`)).length).toBe(2);
    const dl = await client.search<{ reason: string; payload: string; code: string }>({ index: `${p}-deadletters` });
    expect(dl.hits.hits).toHaveLength(1);
    const d = dl.hits.hits[0]._source!;
    expect(d.code).toBe('MESHLOG_MAPPING_REJECTED');
    expect(d.reason).toMatch(/^hops\/req-7:[0-9a-f]+: 400 document_parsing_exception/);
    expect(JSON.parse(d.payload)['http.response.status_code']).toBe('two hundred');
    await exporter.shutdown();
  });
});

describe('Elasticsearch exporter under faults (a second Elasticsearch it may choke and stop)', () => {
  const client = new Client({ node: CHAOS_URL });
  beforeAll(async () => chaos('start'), 300_000);
  afterAll(async () => {
    await client.close();
    await chaos('stop');
  });

  it('retries items Elasticsearch rejects with 429 (write queue of 1) until every document is in, once', async () => {
    const p = prefix('429');
    const ctx = testContext('elasticsearch');
    const exporter = new ElasticsearchExporter(
      elasticsearchConfig.parse({
        endpoints: [CHAOS_URL],
        prefix: p,
        concurrency: 6,
        batch: { maxDocs: 200, flushMs: 20 },
        retry: { initialMs: 50, maxMs: 500 },
      }),
      ctx,
    );
    await exporter.start();
    // Spread over 20 days: every bulk touches 20 indices, so the shard-level writes overrun the queue.
    const N = 6000;
    expect(
      new Set(
        await deliver(
          exporter,
          Array.from({ length: N }, (_, i) => requestDoc(i, i % 20)),
          200,
        ),
      ),
    ).toEqual(new Set(['delivered']));
    const got = await ids(client, `${p}-requests`);
    expect(got.length).toBe(N);
    expect(new Set(got).size).toBe(N);
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_retried_total')).toMatch(/reason="429"} [1-9]/);
    await exporter.shutdown();
  });

  it('loses nothing and duplicates nothing when Elasticsearch is down for 30 s in the middle of a stream', async () => {
    const p = prefix('outage');
    const ctx = testContext('elasticsearch');
    const exporter = new ElasticsearchExporter(
      elasticsearchConfig.parse({
        endpoints: [CHAOS_URL],
        prefix: p,
        maxBufferedDocs: 2000,
        batch: { maxDocs: 250, flushMs: 20 },
        retry: { initialMs: 100, maxMs: 2000 },
        requestTimeoutMs: 5000,
      }),
      ctx,
    );
    await exporter.start();
    const N = 6000;
    let consumed = 0;
    const acks: Promise<unknown>[] = [];
    const sender = (async () => {
      for (let i = 0; i < N; i += 100) {
        const b = createBatch(Array.from({ length: 100 }, (_, k) => requestDoc(i + k)));
        await exporter.consume(b); // blocks while the buffer is full: backpressure
        acks.push(b.ack.settled);
        consumed = i + 100;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    while (consumed < 1500) await new Promise((r) => setTimeout(r, 20));
    await chaos('stop');
    const stalledAt = consumed;
    await new Promise((r) => setTimeout(r, 30_000));
    // While it was down, the exporter stopped taking more than its buffer.
    expect(consumed - stalledAt).toBeLessThanOrEqual(2000 + 100);
    await chaos('start');
    await sender;
    await Promise.all(acks);
    const got = await ids(client, `${p}-requests`);
    expect(got.length).toBe(N);
    expect(new Set(got).size).toBe(N);
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_retried_total')).toMatch(
      /reason="request"} [1-9]/,
    );
    await exporter.shutdown();
  }, 240_000);
});
