import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatch } from '../../pipeline/batch.ts';
import type { SpanRecord } from '../../pipeline/records.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { otlpExporterConfig } from './config.ts';
import { OtlpExporter } from './exporter.ts';
import { classifyExport, retryAfterMs } from './transport.ts';

// A stand-in OTLP/HTTP endpoint that answers from a script: the unit test needs exact statuses.
let answers: Array<{ status: number; headers?: Record<string, string> }> = [];
const seen: number[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const a = answers.shift() ?? { status: 200 };
    seen.push(Date.now());
    res.writeHead(a.status, a.headers ?? {});
    res.end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => void server.close());

const span: SpanRecord = {
  '@timestamp': '2024-01-01T00:00:00.000Z',
  'event.dataset': 'mesh.span',
  'trace.id': '5b8efff798038103d269b633813fc60c',
  'span.id': 'eee19b7ec3c1b174',
  'parent.id': null,
  'span.name': 'x',
  'span.kind': 'client',
  'span.start_ns': '1',
  'span.end_ns': '2',
  'event.duration': 1,
  'span.status': 'unset',
  attributes: {},
};

describe('OTLP exporter retry rules', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
  });

  it('retries 503 after Retry-After, then delivers', async () => {
    answers = [{ status: 503, headers: { 'retry-after': '1' } }, { status: 200 }];
    seen.length = 0;
    const ctx = testContext('otlp');
    const e = new OtlpExporter(otlpExporterConfig.parse({ endpoint: url, protocol: 'http', flushMs: 5 }), ctx);
    const b = createBatch<unknown>([span]);
    await e.consume(b);
    expect(await b.ack.settled).toEqual({ status: 'delivered' });
    expect(seen).toHaveLength(2);
    await e.shutdown();
  });

  it('classifies by the OTLP rules: retryable statuses wait for Retry-After, 413 splits, other 4xx are permanent', () => {
    expect(classifyExport({ ok: false, retryable: true, reason: '503', retryAfterMs: 1000, status: 503 })).toEqual({
      kind: 'retry',
      reason: '503',
      afterMs: 1000,
    });
    expect(classifyExport({ ok: false, retryable: false, reason: '413', status: 413 }).kind).toBe('split');
    expect(classifyExport({ ok: false, retryable: false, reason: '400', status: 400 }).kind).toBe('permanent');
    expect(classifyExport({ ok: true, rejected: 0 }).kind).toBe('done');
  });

  it('does not retry a 400: the spans go to the dead-letter sink with the reason', async () => {
    answers = [{ status: 400 }];
    seen.length = 0;
    const ctx = testContext('otlp');
    const e = new OtlpExporter(otlpExporterConfig.parse({ endpoint: url, protocol: 'http', flushMs: 5 }), ctx);
    const b = createBatch<unknown>([{ ...span, 'span.id': 'aaaaaaaaaaaaaaaa' }]);
    await e.consume(b);
    await b.ack.settled;
    expect(seen).toHaveLength(1);
    expect(ctx.deadLetters.entries[0]).toMatchObject({
      code: 'MESHLOG_EXPORT_FAILED',
      reason: expect.stringContaining('HTTP 400'),
    });
    await e.shutdown();
  });
});
