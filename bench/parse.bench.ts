import { createBatch } from '../pipeline/batch.ts';
import type { AccessRecord, RawChunk } from '../pipeline/records.ts';
import { testContext } from '../pipeline/testing/context.ts';
import { WorkerPool } from '../pipeline/workers/pool.ts';
import { parseConfig } from '../processors/parse/config.ts';
import { ISTIO_TEXT_FORMATS } from '../processors/parse/envoy-format/istio-formats.ts';
import { renderText } from '../processors/parse/envoy-format/render.ts';
import { ParseProcessor } from '../processors/parse/processor.ts';
import { measure, type Bench, type Row } from './harness.ts';

const BATCH = 1024;

/** ~750-byte lines: a long user agent and path, as browser traffic through a gateway has. */
function values(i: number) {
  return {
    start_time: new Date(1714557600000 + i).toISOString(),
    method: 'GET',
    path: `/api/v1/catalog/items/${i}/reviews?page=2&sort=recent&filter=verified&locale=en-US&currency=EUR&session=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
    protocol: 'HTTP/1.1',
    response_code: 200,
    response_flags: '-',
    response_code_details: 'via_upstream',
    bytes_received: 0,
    bytes_sent: 2981,
    duration: 24,
    upstream_service_time: 23,
    x_forwarded_for: '203.0.113.7,10.0.0.1',
    user_agent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51 (compatible; meshlog-bench/1.0; +https://example.invalid/bench)',
    request_id: `84961386-6d84-929d-98bd-${String(i).padStart(12, '0')}`,
    authority: 'catalog.shop.svc.cluster.local:9080',
    upstream_host: '10.244.1.27:9080',
    upstream_cluster: 'outbound|9080|v2|catalog.shop.svc.cluster.local',
    upstream_local_address: '10.244.1.23:37652',
    downstream_local_address: '10.96.45.184:9080',
    downstream_remote_address: '10.244.1.23:46520',
    requested_server_name: 'outbound_.9080_.v2_.catalog.shop.svc.cluster.local',
    route_name: 'catalog-v2-route',
  };
}

function lines(kind: 'text' | 'json'): Buffer {
  const fmt = ISTIO_TEXT_FORMATS[0].format;
  const out = Array.from({ length: BATCH }, (_, i) => {
    const v = values(i);
    // JSON spends ~380 bytes on keys; a shorter agent keeps both kinds near 750 bytes a line.
    if (kind === 'json') v.user_agent = v.user_agent.slice(0, 40);
    if (kind === 'json') v.path = v.path.slice(0, 30);
    return kind === 'text'
      ? renderText(fmt, v)
      : JSON.stringify(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === '-' ? null : x])));
  });
  return Buffer.from(out.join('\n'));
}

/**
 * Parse throughput in the worker pool, batches of 1024 lines, against `JSON.parse` alone on the
 * same bytes in one thread. Per-core figures divide by the worker threads (the main thread only
 * moves buffers).
 */
const bench: Bench = {
  name: 'parse',
  description: `parse throughput, worker pool, batches of ${BATCH} lines`,
  async run() {
    const rows: Row[] = [];
    const pool = new WorkerPool({});
    for (const kind of ['text', 'json'] as const) {
      const data = lines(kind);
      const bytesPerLine = data.length / BATCH;
      // The lines are stamped in 2024: the clock-skew guard is off, as for a replay of old logs.
      const processor = new ParseProcessor(parseConfig.parse({ maxClockSkewMs: 0 }), { ...testContext('parse'), pool });
      processor.connect({ consume: async (b) => b.ack.settle({ status: 'delivered' }) });
      const inflight: Promise<void>[] = [];
      const r = await measure(4000, async () => {
        const chunk: RawChunk = { encoding: 'lines', data: new Uint8Array(data), receiver: 'bench' };
        inflight.push(processor.consume(createBatch<RawChunk | AccessRecord>([chunk])));
        if (inflight.length >= pool.threads * 2) await Promise.all(inflight.splice(0));
        return BATCH;
      });
      await Promise.all(inflight.splice(0));
      rows.push({
        what: `meshlog parse, Istio ${kind}`,
        'bytes/line': Math.round(bytesPerLine),
        'records/s': Math.round(r.opsPerSec),
        'records/s/core': Math.round(r.opsPerSec / pool.threads),
        'MB/s': (r.opsPerSec * bytesPerLine) / 1e6,
        threads: pool.threads,
      });
      if (kind === 'json') {
        const text = data.toString('utf8').split('\n');
        const j = await measure(4000, () => {
          for (const l of text) JSON.parse(l);
          return text.length;
        });
        rows.push({
          what: 'JSON.parse alone, same bytes',
          'bytes/line': Math.round(bytesPerLine),
          'records/s': Math.round(j.opsPerSec),
          'records/s/core': Math.round(j.opsPerSec),
          'MB/s': (j.opsPerSec * bytesPerLine) / 1e6,
          threads: 1,
        });
      }
    }
    await pool.close();
    return rows;
  },
};
export default bench;
