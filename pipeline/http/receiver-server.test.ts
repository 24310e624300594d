import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { testContext } from '../testing/context.ts';
import { createReceiverServer, listenOn } from './receiver-server.ts';

describe('receiver server', () => {
  const lines: Array<{ msg: string; url?: string; err?: { message: string } }> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString())), cb()) }),
  );
  const ctx = { ...testContext('r'), logger };
  const app = createReceiverServer(ctx, {
    maxBodyBytes: 1024,
    idleTimeoutMs: 60_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
  });
  app.post('/bug', async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'byteLength')");
  });
  afterAll(() => app.close());

  it('answers a bug with 500 and a reason, logs it and counts it', async () => {
    await listenOn(app, '127.0.0.1:44160');
    const res = await fetch('http://127.0.0.1:44160/bug', { method: 'POST', body: 'x' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'MESHLOG_INTERNAL',
      message: "Cannot read properties of undefined (reading 'byteLength')",
    });
    expect(lines).toMatchObject([
      {
        msg: 'answered 500',
        url: '/bug',
        err: { message: "Cannot read properties of undefined (reading 'byteLength')" },
      },
    ]);
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_INTERNAL"} 1',
    );
  });
});
