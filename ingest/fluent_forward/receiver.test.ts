import { FluentClient } from '@fluent-org/logger';
import { encode } from '@msgpack/msgpack';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../pipeline/batch.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { parseConfig } from '../../processors/parse/config.ts';
import { ParseProcessor } from '../../processors/parse/processor.ts';
import { fluentForwardConfig } from './config.ts';
import { FluentForwardReceiver } from './receiver.ts';

const PORT = 44300;
const LINE =
  '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default';
const K8S = { pod_name: 'httpbin-client-5b64f47978-q5s9x', namespace_name: 'foo' };

let pool: WorkerPool;
let receiver: FluentForwardReceiver;
const sink = new CaptureIntake();
const ctx = testContext('fluent_forward');

beforeAll(async () => {
  pool = new WorkerPool({ threads: 1 });
  // The real parse processor behind the receiver, so the test sees finished AccessRecords.
  const parse = new ParseProcessor(parseConfig.parse({ maxClockSkewMs: 0 /* a 2020 line */ }), {
    ...testContext('parse'),
    pool,
  });
  parse.connect(sink);
  const intake = {
    consume: (b: Batch<unknown>) => parse.consume(b as Batch<RawChunk>),
    offer: async (b: Batch<unknown>) => (await parse.consume(b as Batch<RawChunk>), true),
  };
  receiver = new FluentForwardReceiver(
    fluentForwardConfig.parse({ endpoint: `127.0.0.1:${PORT}` }),
    { ...ctx, pool },
    intake,
  );
  await receiver.start();
});
afterAll(async () => {
  await receiver.shutdown();
  await pool.close();
});
beforeEach(() => void (sink.records.length = 0));

describe('fluent_forward receiver', () => {
  it.each(['Message', 'Forward', 'PackedForward', 'CompressedPackedForward'] as const)(
    'takes %s mode from @fluent-org/logger with acks',
    async (eventMode) => {
      const client = new FluentClient('kube', {
        socket: { host: '127.0.0.1', port: PORT },
        eventMode,
        ack: { ackTimeout: 10_000 }, // the first parse starts a worker; a loaded machine is slow
        flushInterval: 10,
      });
      await Promise.all([
        client.emit('istio-proxy', { log: LINE, stream: 'stdout', kubernetes: K8S }),
        client.emit('istio-proxy', { log: LINE.replace(' 418 ', ' 503 ').replace(' - via', ' UF via') }),
      ]);
      await client.shutdown();
      const records = await sink.waitFor(2);
      expect(records[0]).toMatchObject({
        'http.response.status_code': 418,
        'mesh.source.workload': 'httpbin-client',
        'mesh.source.namespace': 'foo',
      });
      expect(records[1]).toMatchObject({
        'http.response.status_code': 503,
        'envoy.response_flags': ['UF'],
        'mesh.error_class': 'mesh',
      });
    },
  );

  it('answers the chunk option with {ack} after a raw CompressedPackedForward message', async () => {
    const entries = Buffer.concat([encode([1714557600, { log: LINE }]), encode([1714557601, { log: LINE }])]);
    const socket = connect(PORT, '127.0.0.1');
    const reply = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(encode(['kube.proxy', gzipSync(entries), { chunk: 'c-42', compressed: 'gzip', size: 2 }]));
    const { decode } = await import('@msgpack/msgpack');
    expect(decode(await reply)).toEqual({ ack: 'c-42' });
    socket.end();
    expect(await sink.waitFor(2)).toHaveLength(2);
  });

  it('closes the connection on bad msgpack and counts it, without crashing', async () => {
    const socket = connect(PORT, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(encode(['tag', 'not a time or entries']));
    await closed;
    expect(await ctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_DECODE_FAILED"} 1',
    );
    // The receiver still serves new connections.
    const client = new FluentClient('kube', { socket: { host: '127.0.0.1', port: PORT } });
    await client.emit('x', { log: LINE });
    await client.shutdown();
    expect(await sink.waitFor(1)).toHaveLength(1);
  });
});
