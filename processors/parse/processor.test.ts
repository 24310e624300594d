import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import type { AccessRecord, RawChunk, SpanRecord } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { parseConfig } from './config.ts';
import { ParseProcessor } from './processor.ts';

const line = (t: Date, durationMs = 12) =>
  `[${t.toISOString()}] "GET /reviews/0 HTTP/1.1" 200 - via_upstream - "-" 0 295 ${durationMs} 11 "-" "curl" "r-${t.getTime()}" "reviews:9080" "10.244.0.31:9080" outbound|9080|v2|reviews.default.svc.cluster.local 10.244.0.20:43210 10.96.7.7:9080 10.244.0.20:43200 - default`;

const span = (startMs: number, durationMs: number): SpanRecord => ({
  '@timestamp': new Date(startMs).toISOString(),
  'event.dataset': 'mesh.span',
  'trace.id': '5b8efff798038103d269b633813fc60c',
  'span.id': startMs.toString(16).padStart(16, '0'),
  'parent.id': null,
  'span.name': 'reviews',
  'span.kind': 'server',
  'span.start_ns': `${startMs}000000`,
  'span.end_ns': `${startMs + durationMs}000000`,
  'event.duration': durationMs * 1e6,
  'span.status': 'unset',
  'service.name': 'reviews',
  'http.request.id': `r-${startMs}`,
  attributes: {},
});

let pool: WorkerPool;
beforeAll(() => void (pool = new WorkerPool({ threads: 1 })));
afterAll(() => pool.close());

async function run(config: Record<string, unknown>, lines: string[]) {
  const chunk: RawChunk = { encoding: 'lines', data: Buffer.from(lines.join('\n')), receiver: 'test' };
  return consume(config, [chunk]);
}

/** Records a receiver already decoded (spans) go through the same guard. */
async function consume(config: Record<string, unknown>, records: Array<RawChunk | AccessRecord | SpanRecord>) {
  const ctx = testContext('parse', pool);
  const p = new ParseProcessor(parseConfig.parse(config), ctx);
  const sink = new CaptureIntake<AccessRecord>();
  p.connect(sink);
  const batch = createBatch(records as Array<RawChunk | AccessRecord>);
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

  it('dead-letters a line that ends past the limit ahead (a crafted duration), and passes one that ends within it', async () => {
    const { records, dead, skewed } = await run({}, [line(new Date(now), 1e12), line(new Date(now - 1000), 5000)]);
    expect(records.map((r) => r['event.duration'])).toEqual([5000 * 1e6]);
    expect(skewed).toBe(1);
    const iso = new Date(now).toISOString().replace(/\./g, '\\.');
    expect(dead[0].reason).toMatch(
      new RegExp(
        `^event time ${iso} \\+ 1000000000000 ms is 99999\\d{7} ms from the wall clock \\(limit 600000 ms\\)$`,
      ),
    );
  });

  it('dead-letters spans that start or end past the limit ahead, and passes spans from long ago', async () => {
    const hour = 3_600_000;
    const old = Date.parse('2019-01-01T00:00:00Z');
    const { records, dead, skewed } = await consume({}, [
      span(now + hour, 10),
      span(now, hour),
      span(old, 10),
      span(now - 1000, 20),
    ]);
    expect(records.map((r) => r['@timestamp'])).toEqual([
      new Date(old).toISOString(),
      new Date(now - 1000).toISOString(),
    ]);
    expect(skewed).toBe(2);
    expect(dead.map((d) => JSON.parse(String(d.payload))['@timestamp'])).toEqual([
      new Date(now + hour).toISOString(),
      new Date(now).toISOString(),
    ]);
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
