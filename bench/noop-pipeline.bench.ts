import { fileURLToPath } from 'node:url';
import { createBatch, type Batch } from '../pipeline/batch.ts';
import { BoundedChannel } from '../pipeline/channel.ts';
import { WorkerPool } from '../pipeline/workers/pool.ts';
import { measure, type Bench, type Row } from './harness.ts';

const WORKER = fileURLToPath(new URL('./noop-worker.ts', import.meta.url));
const LINE =
  '[2024-05-01T10:00:00.123Z] "GET /reviews/123 HTTP/1.1" 200 - via_upstream - "-" 0 295 24 23 "-" "Mozilla/5.0" "84961386-6d84-929d-98bd-c5aee93b5c88" "reviews:9080" "10.244.1.7:9080" outbound|9080|v2|reviews.default.svc.cluster.local 10.244.0.5:34512 10.96.1.1:9080 10.244.0.5:40000 - default';

/**
 * Records/s through receiver → bounded channel → worker pool (transferred buffer) → bounded
 * channel → exporter that discards, with the batch sizes the issue asks for. It measures the
 * pipeline's own overhead: no parsing happens.
 */
const bench: Bench = {
  name: 'noop-pipeline',
  description: 'records/s through a no-op pipeline (receiver → worker pool → exporter)',
  async run() {
    const pool = new WorkerPool({});
    const rows: Row[] = [];
    for (const size of [64, 256, 1024]) {
      const text = Buffer.from(Array.from({ length: size }, () => LINE).join('\n'));
      let exported = 0;
      const exporter = new BoundedChannel<number>({
        name: 'exporter',
        capacity: 64,
        target: {
          consume: async (b: Batch<number>) => {
            exported += b.records[0];
            b.ack.settle({ status: 'delivered' });
          },
        },
      });
      const processor = new BoundedChannel<Uint8Array>({
        name: 'processor',
        capacity: 64,
        concurrency: pool.threads * 2,
        target: {
          consume: async (b: Batch<Uint8Array>) => {
            const data = b.records[0];
            const n = await pool.run<number>(WORKER, { data }, [data.buffer as ArrayBuffer]);
            await exporter.consume(createBatch([n], b.ack));
          },
        },
      });
      const inflight: Promise<unknown>[] = [];
      const r = await measure(3000, async () => {
        // The receiver's side: a fresh buffer per batch (as a request body is), handed over.
        const batch = createBatch([new Uint8Array(text)]);
        await processor.consume(batch);
        inflight.push(batch.ack.settled);
        if (inflight.length > 256) await Promise.all(inflight.splice(0));
        return size;
      });
      await Promise.all(inflight.splice(0));
      await processor.close();
      await exporter.close();
      rows.push({
        batch: size,
        'records/s': Math.round(r.opsPerSec),
        'MB/s': (r.opsPerSec * (LINE.length + 1)) / 1e6,
        workers: pool.threads,
        exported,
      });
    }
    await pool.close();
    return rows;
  },
};
export default bench;
