import { decode, encode } from '@msgpack/msgpack';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Batch, Outcome } from '../../pipeline/batch.ts';
import type { Intake } from '../../pipeline/component.ts';
import { configureProcessMemoryLimit } from '../../pipeline/memory/process.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { fluentForwardConfig } from './config.ts';
import { FluentForwardReceiver } from './receiver.ts';

let port = 44310;
let receiver: FluentForwardReceiver | undefined;
afterEach(async () => {
  await receiver?.shutdown();
  receiver = undefined;
});

/** Starts a receiver whose pipeline settles every batch with `outcome`. */
async function start(overrides: Record<string, unknown> = {}, outcome: Outcome = { status: 'delivered' }) {
  const PORT = ++port;
  const got: Batch<unknown>[] = [];
  const intake: Intake = {
    consume: async (b) => void (got.push(b), b.ack.settle(outcome)),
    offer: async (b) => (got.push(b), b.ack.settle(outcome), true),
  };
  const ctx = testContext('fluent_forward');
  receiver = new FluentForwardReceiver(
    fluentForwardConfig.parse({ endpoint: `127.0.0.1:${PORT}`, ...overrides }),
    ctx,
    intake,
  );
  await receiver.start();
  const open = () => {
    const socket = connect(PORT, '127.0.0.1');
    socket.on('error', () => undefined); // the server may reset a socket we are still writing to
    const replies: unknown[] = [];
    socket.on('data', (d) => replies.push(decode(d)));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    return { socket, replies, closed };
  };
  const rejected = async () => ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total');
  return { got, open, rejected };
}

const message = (chunk: string) => encode(['kube.proxy', [[1714557600, { log: 'a line' }]], { chunk }]);

describe('fluent_forward receiver under hostile input', () => {
  it('closes a connection whose array32 header claims 2^32-1 elements, before allocating them', async () => {
    const { got, open, rejected } = await start();
    const rssBefore = process.memoryUsage().rss;
    const { socket, closed } = open();
    // The issue's repro: s.sendall(b'\xdd\xff\xff\xff\xff' + b'\xc0' * (32 << 20))
    socket.write(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]));
    socket.write(Buffer.alloc(32 << 20, 0xc0));
    await closed;
    expect(got).toHaveLength(0);
    expect(await rejected()).toContain('reason="MESHLOG_LIMIT_EXCEEDED"} 1');
    // Without the check the decoder grew to over a GiB on this input.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
    // The receiver still serves.
    const good = open();
    good.socket.write(message('c-1'));
    while (good.replies.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(good.replies).toEqual([{ ack: 'c-1' }]);
    good.socket.end();
  });

  it('closes a connection sending nested array16 headers (16 KiB of them made the decoder allocate 2.5 GiB)', async () => {
    const { got, open, rejected } = await start();
    const rssBefore = process.memoryUsage().rss;
    const { socket, closed } = open();
    socket.write(Buffer.concat(Array.from({ length: 5000 }, () => Buffer.from([0xdc, 0xff, 0xff]))));
    await closed;
    expect(got).toHaveLength(0);
    expect(await rejected()).toContain('reason="MESHLOG_LIMIT_EXCEEDED"} 1');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
  });

  it('closes a connection that sends more than maxMessageBytes without completing a message', async () => {
    const { got, open, rejected } = await start({ maxMessageBytes: 64 * 1024 });
    const { socket, closed } = open();
    // A Forward message announcing 60000 entries (under maxElements), streamed on and on.
    socket.write(Buffer.concat([Buffer.from([0x92]), encode('tag'), Buffer.from([0xdc, 0xea, 0x60])]));
    const entry = encode([1714557600, { log: 'x'.repeat(1000) }]);
    for (let i = 0; i < 200 && !socket.destroyed; i++) socket.write(entry);
    await closed;
    expect(got).toHaveLength(0);
    expect(await rejected()).toContain('reason="MESHLOG_LIMIT_EXCEEDED"} 1');
  });

  it('closes connections that send nothing, or stop half way through a message, after idleTimeoutMs', async () => {
    const { open, rejected } = await start({ idleTimeoutMs: 300, ackTimeoutMs: 100, offerTimeoutMs: 0 });
    const silent = open();
    const half = open();
    half.socket.write(message('c-2').subarray(0, 10));
    await Promise.all([silent.closed, half.closed]);
    expect(await rejected()).toContain('reason="MESHLOG_IDLE_TIMEOUT"} 2');
  });

  it.each<[string, Outcome]>([
    ['retryable', { status: 'retryable', reason: 'es is down' }],
    ['rejected', { status: 'rejected', reason: 'mapping', code: 'MESHLOG_MAPPING_REJECTED' }],
  ])('acks a chunk only when delivered: %s closes the connection unacknowledged', async (_n, outcome) => {
    const { got, open } = await start({}, outcome);
    const { socket, replies, closed } = open();
    socket.write(message('c-3'));
    await closed;
    expect(got).toHaveLength(1);
    expect(replies).toEqual([]);
  });

  it('sends no ack past the memory soft limit, and takes nothing', async () => {
    const { got, open, rejected } = await start();
    configureProcessMemoryLimit({ limitMiB: 100, read: () => 99 });
    try {
      const { socket, replies, closed } = open();
      socket.write(message('c-4'));
      await closed;
      expect(replies).toEqual([]);
      expect(got).toHaveLength(0);
      expect(await rejected()).toContain('reason="MESHLOG_MEMORY_LIMIT"} 1');
    } finally {
      configureProcessMemoryLimit({ limitMiB: 512 });
    }
  });

  it('refuses an idle timeout that would cut a sender waiting for its ack, naming the option', () => {
    const r = fluentForwardConfig.safeParse({ idleTimeoutMs: 1000, ackTimeoutMs: 30_000 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['idleTimeoutMs'],
      message: 'idleTimeoutMs (1000) must exceed ackTimeoutMs + offerTimeoutMs (35000)',
    });
  });
});
