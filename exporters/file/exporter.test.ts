import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import { FileDeadLetterSink } from '../../pipeline/deadletter.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { fileConfig } from './config.ts';
import { FileExporter } from './exporter.ts';

describe('file exporter', () => {
  it('appends one JSON line per record and acknowledges once written', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meshlog-file-')), 'out.ndjson');
    const e = new FileExporter(fileConfig.parse({ path }), testContext('file'));
    await e.start();
    const b = createBatch<unknown>([{ a: 1 }, { b: 'two' }]);
    await e.consume(b);
    expect(await b.ack.settled).toEqual({ status: 'delivered' });
    await e.shutdown();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":"two"}\n');
  });

  it('rotates to <path>.1 past maxBytes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'meshlog-file-')), 'out.ndjson');
    const e = new FileExporter(fileConfig.parse({ path, maxBytes: 10 }), testContext('file'));
    await e.start();
    await e.consume(createBatch<unknown>([{ first: 'batch' }]));
    await e.consume(createBatch<unknown>([{ n: 2 }]));
    await e.shutdown();
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('{"first":"batch"}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"n":2}\n');
  });

  it('on a full disk settles the batch retryable with the reason and counts it, without crashing', async () => {
    const ctx = testContext('file');
    const e = new FileExporter(fileConfig.parse({ path: '/dev/full', maxBytes: 0 }), ctx);
    await e.start();
    const b = createBatch<unknown>([{ a: 1 }]);
    await e.consume(b);
    expect(await b.ack.settled).toMatchObject({ status: 'retryable', reason: expect.stringMatching(/ENOSPC/) });
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toMatch(
      /reason="MESHLOG_WRITE_FAILED"} 1/,
    );
    const again = createBatch<unknown>([{ a: 2 }]);
    await e.consume(again); // the file was reopened: still answering
    expect((await again.ack.settled).status).toBe('retryable');
    await e.shutdown().catch(() => undefined);
  });
});

describe('dead-letter file', () => {
  it('counts a dead letter it cannot write (disk full) and keeps the process up', async () => {
    const ctx = testContext('x');
    const sink = new FileDeadLetterSink('/dev/full', ctx.metrics);
    sink.write({ component: 'parse', code: 'MESHLOG_PARSE_FAILED', reason: 'bad', payload: 'line' });
    for (let i = 0; i < 50; i++) {
      if (
        (await ctx.metrics.registry.getSingleMetricAsString('meshlog_dropped_total')).includes(
          'deadletter_write_failed',
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_dropped_total')).toMatch(
      /reason="deadletter_write_failed"} 1/,
    );
    sink.write({ component: 'parse', code: 'MESHLOG_PARSE_FAILED', reason: 'bad', payload: 'line 2' });
    await sink.close().catch(() => undefined);
  });
});
