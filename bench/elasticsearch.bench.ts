import { Client } from '@elastic/elasticsearch';
import { createBatch } from '../pipeline/batch.ts';
import { testContext } from '../pipeline/testing/context.ts';
import { elasticsearchConfig } from '../exporters/elasticsearch/config.ts';
import { ElasticsearchExporter } from '../exporters/elasticsearch/exporter.ts';
import { requestDoc } from '../test/support/docs.ts';
import type { Bench, Row } from './harness.ts';

const URL_ = process.env.MESHLOG_TEST_ES_URL ?? 'http://127.0.0.1:9200';
const N = 60_000;
const BATCH = 1000;
const CONCURRENCY = 2;

/**
 * Documents/s into Elasticsearch through the exporter, against a plain loop of `bulk` calls
 * with the same client settings, the same documents, batch size and concurrency. Needs the test
 * Elasticsearch (`npm run services:up -- elasticsearch`).
 */
const bench: Bench = {
  name: 'elasticsearch',
  description: `${N.toLocaleString('en-US')} RequestDocs, bulks of ${BATCH}, ${CONCURRENCY} in flight, gzip`,
  async run() {
    const client = new Client({ node: URL_, compression: true, maxRetries: 0 });
    await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' });
    const docs = Array.from({ length: N }, (_, i) => requestDoc(i));
    const rows: Row[] = [];
    const tag = Date.now().toString(36);

    const plainRun = async (round: number) => {
      // Plain loop: the same documents, the same operations, two bulks in flight.
      const index = `mlb-plain-${tag}-${round}`;
      await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 } });
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next; i < N; i = next) {
            next += BATCH;
            const ops = docs
              .slice(i, i + BATCH)
              .flatMap((d) => [{ index: { _index: index, _id: d['http.request.id'] } }, d]);
            const res = await client.bulk({ operations: ops, filter_path: 'errors' });
            if (res.errors) throw new Error('plain bulk loop had item errors');
          }
        }),
      );
      return N / ((performance.now() - t0) / 1000);
    };
    const exporterRun = async (round: number) => {
      const exporter = new ElasticsearchExporter(
        elasticsearchConfig.parse({
          endpoints: [URL_],
          prefix: `mlb-exp-${tag}-${round}`,
          concurrency: CONCURRENCY,
          batch: { maxDocs: BATCH, flushMs: 50 },
          maxBufferedDocs: 4 * BATCH,
        }),
        testContext('elasticsearch'),
      );
      await exporter.start();
      const t1 = performance.now();
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < N; i += BATCH) {
        const b = createBatch(docs.slice(i, i + BATCH));
        await exporter.consume(b);
        acks.push(b.ack.settled);
      }
      await Promise.all(acks);
      const rate = N / ((performance.now() - t1) / 1000);
      await exporter.shutdown();
      return rate;
    };
    // Two rounds, alternating, best of each: the first runs also warm the JIT and Elasticsearch.
    let plain = 0;
    let viaExporter = 0;
    for (let round = 0; round < 2; round++) {
      plain = Math.max(plain, await plainRun(round));
      viaExporter = Math.max(viaExporter, await exporterRun(round));
    }
    rows.push({ path: 'plain bulk loop (best of 2)', 'docs/s': Math.round(plain) });
    rows.push({ path: 'meshlog elasticsearch exporter (best of 2)', 'docs/s': Math.round(viaExporter) });
    rows.push({ path: 'ratio exporter / plain (goal ≥ 0.9)', 'docs/s': Math.round((viaExporter / plain) * 100) / 100 });
    await client.indices.delete({ index: `mlb-*` }).catch(() => undefined);
    await client.close();
    return rows;
  },
};
export default bench;
