import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch, Outcome } from '../../pipeline/batch.ts';
import type { Intake } from '../../pipeline/component.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { MIN_READ_GAP_MS } from '../../pipeline/memory/limiter.ts';
import { configureProcessMemoryLimit } from '../../pipeline/memory/process.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { httpLinesConfig } from './config.ts';
import { HttpLinesReceiver } from './receiver.ts';

// A fresh port per test: fetch keeps connections alive, and a pooled one to the previous test's
// (closed) server would fail the next request.
let port = 44100;
let URL_ = '';

/**
 * An intake that accepts until `full` is set, then refuses like a full channel. Accepted batches
 * settle with `outcome` (delivered by default), or stay unsettled with `hold`, like a stuck exporter.
 */
function intake() {
  const got: Batch<RawChunk>[] = [];
  const state: { full: boolean; hold: boolean; outcome: Outcome } = {
    full: false,
    hold: false,
    outcome: { status: 'delivered' },
  };
  const take = (b: Batch<RawChunk>) => {
    got.push(b);
    if (!state.hold) b.ack.settle(state.outcome);
  };
  const i: Intake<RawChunk> = {
    consume: async (b) => take(b),
    offer: async (b) => (state.full ? false : (take(b), true)),
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

  it('pushes back with 429 and Retry-After when the pipeline is full, counting lines not batches', async () => {
    const { state, ctx } = await start({ offerTimeoutMs: 0 });
    state.full = true;
    const res = await fetch(URL_, { method: 'POST', body: 'a\nb\nc\n' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: string }).error).toBe('MESHLOG_QUEUE_FULL');
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_QUEUE_FULL"} 3',
    );
  });

  it('answers 400 with a reason, not 500, to a POST with no body and no Content-Type', async () => {
    const { got } = await start();
    const res = await fetch(URL_, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'MESHLOG_BODY_MISSING',
      message: 'request has no body; send access-log lines',
    });
    expect(got).toHaveLength(0);
  });

  it('answers with the outcome the pipeline settled: rejected is 400 with the reason, retryable 503', async () => {
    const { state } = await start();
    state.outcome = { status: 'rejected', reason: 'document rejected by es: bad', code: 'MESHLOG_MAPPING_REJECTED' };
    const rejected = await fetch(URL_, { method: 'POST', body: 'a\n' });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toEqual({
      error: 'MESHLOG_MAPPING_REJECTED',
      message: 'document rejected by es: bad',
    });
    state.outcome = { status: 'retryable', reason: 'es is down', retryAfterMs: 3000 };
    const retry = await fetch(URL_, { method: 'POST', body: 'a\n' });
    expect(retry.status).toBe(503);
    expect(retry.headers.get('retry-after')).toBe('3');
  });

  it('waits for the batch to settle before answering', async () => {
    const { state, got } = await start();
    state.hold = true;
    let answered = false;
    const res = fetch(URL_, { method: 'POST', body: 'a\n' }).then((r) => ((answered = true), r));
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    got[0].ack.settle({ status: 'delivered' });
    expect((await res).status).toBe(200);
  });

  it('tells the sender to retry when the batch does not settle within ackTimeoutMs', async () => {
    const { state } = await start({ ackTimeoutMs: 100 });
    state.hold = true;
    const res = await fetch(URL_, { method: 'POST', body: 'a\n' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('MESHLOG_ACK_TIMEOUT');
  });

  it('refuses with 429 past the memory soft limit, before taking anything', async () => {
    const { got } = await start();
    const used = { mib: 500 };
    configureProcessMemoryLimit({ limitMiB: 512, read: () => used.mib });
    try {
      const res = await fetch(URL_, { method: 'POST', body: 'a\n' });
      expect(res.status).toBe(429);
      expect(((await res.json()) as { message: string }).message).toBe(
        'memory use 500 MiB is past the soft limit of 410 MiB, retry later',
      );
      expect(got).toHaveLength(0);
      used.mib = 100;
      await new Promise((r) => setTimeout(r, MIN_READ_GAP_MS + 10)); // a reading is reused until then
      expect((await fetch(URL_, { method: 'POST', body: 'a\n' })).status).toBe(200);
    } finally {
      configureProcessMemoryLimit({ limitMiB: 512 });
    }
  });

  it('refuses a msgpack body whose array32 header claims 2^32-1 elements, before allocating', async () => {
    const { got } = await start();
    // The repro: an array32 header of 0xffffffff elements followed by nils.
    const bomb = Buffer.concat([Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(4 << 20, 0xc0)]);
    const res = await fetch(URL_.replace('/v1/lines', '/v1/fluentbit'), {
      method: 'POST',
      headers: { 'content-type': 'application/msgpack' },
      body: bomb,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('MESHLOG_LIMIT_EXCEEDED');
    expect(body.message).toBe('elements in one message exceeds the limit of 1000000');
    expect(got).toHaveLength(0);
  });
});
