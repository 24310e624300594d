import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../pipeline/batch.ts';
import type { Intake } from '../../pipeline/component.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { httpLinesConfig } from './config.ts';
import { HttpLinesReceiver } from './receiver.ts';

// A fresh port per test: fetch keeps connections alive, and a pooled one to the previous test's
// (closed) server would fail the next request.
let port = 18188;
let URL_ = '';

/** An intake that accepts until `full` is set, then refuses like a full channel. */
function intake() {
  const got: Batch<RawChunk>[] = [];
  const state = { full: false };
  const i: Intake<RawChunk> = {
    consume: async (b) => void got.push(b),
    offer: async (b) => (state.full ? false : (got.push(b), true)),
  };
  return { got, state, i };
}

let receiver: HttpLinesReceiver | undefined;
afterEach(async () => receiver?.shutdown());

async function start(overrides: Record<string, unknown> = {}) {
  const PORT = ++port;
  URL_ = `http://127.0.0.1:${PORT}/v1/lines`;
  const sink = intake();
  const ctx = testContext('http_lines');
  receiver = new HttpLinesReceiver(
    httpLinesConfig.parse({ endpoint: `127.0.0.1:${PORT}`, ...overrides }),
    ctx,
    sink.i as Intake,
  );
  await receiver.start();
  return { ...sink, ctx };
}

describe('http_lines receiver', () => {
  it('queues the body as one chunk and answers with the line count', async () => {
    const { got } = await start();
    const res = await fetch(URL_, { method: 'POST', body: 'a\nb\nc' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3 });
    expect(Buffer.from(got[0].records[0].data).toString()).toBe('a\nb\nc');
  });

  it('accepts gzip bodies', async () => {
    const { got } = await start();
    const res = await fetch(URL_, {
      method: 'POST',
      body: gzipSync('x\ny\n'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(await res.json()).toEqual({ accepted: 2 });
    expect(Buffer.from(got[0].records[0].data).toString()).toBe('x\ny\n');
  });

  it('answers 413 to a gzip bomb without inflating it, and counts it', async () => {
    const { got, ctx } = await start({ maxBodyBytes: 1024 * 1024 });
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros, ~64 KiB compressed
    const res = await fetch(URL_, { method: 'POST', body: bomb, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('MESHLOG_PAYLOAD_TOO_LARGE');
    expect(got).toHaveLength(0);
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_PAYLOAD_TOO_LARGE"} 1',
    );
  });

  it('answers 400 with a reason to a corrupt gzip body', async () => {
    await start();
    const res = await fetch(URL_, {
      method: 'POST',
      body: Buffer.from('not gzip at all'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/gzip body is corrupt/);
  });

  it('takes Fluent Bit http output as JSON and as msgpack, turning records into lines', async () => {
    const { got } = await start();
    const recs = [
      { date: 1714557600.5, log: 'line one' },
      { date: 1714557601, log: 'line two', kubernetes: { pod_name: 'p' } },
    ];
    const json = await fetch(URL_.replace('/v1/lines', '/v1/fluentbit'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(recs),
    });
    expect(await json.json()).toEqual({ accepted: 2 });
    const { encode } = await import('@msgpack/msgpack');
    const body = Buffer.concat(recs.map((r) => encode([r.date, r])));
    const mp = await fetch(URL_.replace('/v1/lines', '/v1/fluentbit'), {
      method: 'POST',
      headers: { 'content-type': 'application/msgpack' },
      body,
    });
    expect(await mp.json()).toEqual({ accepted: 2 });
    const lines = got.map((b) =>
      Buffer.from(b.records[0].data)
        .toString()
        .split('\n')
        .map((l) => JSON.parse(l).log),
    );
    expect(lines).toEqual([
      ['line one', 'line two'],
      ['line one', 'line two'],
    ]);
    const bad = await fetch(URL_.replace('/v1/lines', '/v1/fluentbit'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{',
    });
    expect(bad.status).toBe(400);
  });

  it('pushes back with 503 and Retry-After when the pipeline is full', async () => {
    const { state } = await start({ offerTimeoutMs: 0 });
    state.full = true;
    const res = await fetch(URL_, { method: 'POST', body: 'a\n' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
  });
});
