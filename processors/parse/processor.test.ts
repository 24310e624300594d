import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import type { AccessRecord, RawChunk } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { parseConfig } from './config.ts';
import { ParseProcessor } from './processor.ts';

const line = (t: Date) =>
  `[${t.toISOString()}] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 295 12 11 "-" "curl" "r-${t.getTime()}" "reviews:9080" "10.244.0.31:9080" outbound|9080|v2|reviews.default.svc.cluster.local 10.244.0.20:43210 10.96.7.7:9080 10.244.0.20:43200 - default`;

let pool: WorkerPool;
beforeAll(() => void (pool = new WorkerPool({ threads: 1 })));
afterAll(() => pool.close());

async function run(config: Record<string, unknown>, lines: string[]) {
  const ctx = testContext('parse', pool);
  const p = new ParseProcessor(parseConfig.parse(config), ctx);
  const sink = new CaptureIntake<AccessRecord>();
  p.connect(sink);
  const chunk: RawChunk = { encoding: 'lines', data: Buffer.from(lines.join('\n')), receiver: 'test' };
  const batch = createBatch<RawChunk | AccessRecord>([chunk]);
  await p.consume(batch);
  const skewed = (await ctx.metrics.registry.getSingleMetric('meshlog_rejected_total')!.get()).values.find(
    (v) => v.labels.reason === 'MESHLOG_CLOCK_SKEW',
  );
  return { records: sink.records, dead: ctx.deadLetters.entries, skewed: skewed?.value ?? 0 };
}

describe('parse processor: event-time guard', () => {
  const now = Date.now();
  const lines = [line(new Date(now)), line(new Date(now - 3_600_000)), line(new Date(now + 3_600_000))];

  it('dead-letters and counts records an hour off the wall clock, either way, and passes the rest', async () => {
    const { records, dead, skewed } = await run({}, lines);
    expect(records.map((r) => r['@timestamp'])).toEqual([new Date(now).toISOString()]);
    expect(skewed).toBe(2);
    expect(dead.map((d) => d.code)).toEqual(['MESHLOG_CLOCK_SKEW', 'MESHLOG_CLOCK_SKEW']);
    const iso = new Date(now - 3_600_000).toISOString().replace(/\./g, '\\.');
    expect(dead[0].reason).toMatch(
      new RegExp(`^event time ${iso} is -36\\d{5} ms from the wall clock \\(limit 600000 ms\\)$`),
    );
    expect(JSON.parse(String(dead[1].payload))['@timestamp']).toBe(new Date(now + 3_600_000).toISOString());
  });

  it('passes everything when maxClockSkewMs is 0 (replaying old logs)', async () => {
    const { records, dead } = await run({ maxClockSkewMs: 0 }, [...lines, line(new Date('2019-01-01T00:00:00Z'))]);
    expect(records).toHaveLength(4);
    expect(dead).toEqual([]);
  });

  it('refuses a bad subset pattern and cluster domain at config time, naming the key', () => {
    const bad = parseConfig.safeParse({ subsets: { workloadPattern: '(' }, clusterDomain: 'Cluster Local' });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['subsets.workloadPattern', 'clusterDomain']));
  });
});
