import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protoType } from '../../pipeline/proto/load.ts';
import type { AccessRecord } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { envoyAlsConfig } from './config.ts';
import { EnvoyAlsReceiver } from './receiver.ts';

const ENDPOINT = '127.0.0.1:44401';
const Message = protoType('envoy.service.accesslog.v3.StreamAccessLogsMessage');
const encode = (o: Record<string, unknown>) => Buffer.from(Message.encode(Message.fromObject(o)).finish());

const identity = (b: Buffer) => b;
const Client = grpc.makeGenericClientConstructor(
  {
    StreamAccessLogs: {
      path: '/envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs',
      requestStream: true,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  'AccessLogService',
);

function httpEntry(requestId: string, code: number, flags: Record<string, boolean> = {}) {
  return {
    commonProperties: {
      startTime: { seconds: 1714557600, nanos: 123_000_000 },
      duration: { seconds: 0, nanos: 42_000_000 },
      downstreamRemoteAddress: { socketAddress: { address: '10.244.0.5', portValue: 40000 } },
      downstreamLocalAddress: { socketAddress: { address: '10.96.1.1', portValue: 9080 } },
      upstreamRemoteAddress: { socketAddress: { address: '10.244.1.7', portValue: 9080 } },
      upstreamCluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
      routeName: 'reviews-route',
      responseFlags: flags,
    },
    protocolVersion: 'HTTP11',
    request: {
      requestMethod: 'GET',
      authority: 'reviews:9080',
      path: '/reviews/1',
      requestId,
      userAgent: 'curl/8',
      requestHeaders: { 'x-tenant': 'acme' },
      requestBodyBytes: 0,
    },
    response: {
      responseCode: { value: code },
      responseBodyBytes: 295,
      responseCodeDetails: 'via_upstream',
      responseHeaders: { 'x-envoy-upstream-service-time': '40' },
    },
  };
}

let pool: WorkerPool;
let receiver: EnvoyAlsReceiver;
const sink = new CaptureIntake<AccessRecord>();
const ctx = testContext('envoy_als');

beforeAll(async () => {
  pool = new WorkerPool({ threads: 1 });
  receiver = new EnvoyAlsReceiver(envoyAlsConfig.parse({ endpoint: ENDPOINT }), { ...ctx, pool }, sink);
  await receiver.start();
});
afterAll(async () => {
  await receiver.shutdown();
  await pool.close();
});

describe('envoy_als receiver with a grpc-js client', () => {
  it('remembers the identifier from the first message and applies it to later HTTP and TCP entries', async () => {
    const client = new Client(ENDPOINT, grpc.credentials.createInsecure());
    const call = (
      client as unknown as {
        StreamAccessLogs: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<Buffer>;
      }
    ).StreamAccessLogs(() => undefined);
    call.write(
      encode({
        identifier: {
          node: { id: 'sidecar~10.244.0.5~productpage-v1-6b746f74dc-9stvs.bookinfo~bookinfo.svc.cluster.local' },
          logName: 'http_envoy_accesslog',
        },
        httpLogs: { logEntry: [httpEntry('req-1', 200), httpEntry('req-2', 503, { upstreamOverflow: true })] },
      }),
    );
    call.write(
      encode({
        tcpLogs: {
          logEntry: [
            {
              commonProperties: {
                startTime: { seconds: 1714557601 },
                upstreamCluster: 'outbound|3306||mysql.db.svc.cluster.local',
                duration: { seconds: 2 },
              },
              connectionProperties: { receivedBytes: 100, sentBytes: 2000 },
            },
          ],
        },
      }),
    );
    call.end();
    const records = await sink.waitFor(3);
    client.close();
    expect(records[0]).toMatchObject({
      'envoy.format': 'envoy-als-http',
      '@timestamp': '2024-05-01T10:00:00.123Z',
      'http.request.id': 'req-1',
      'http.request.method': 'GET',
      'url.original': '/reviews/1',
      'network.protocol': 'HTTP/1.1',
      'http.response.status_code': 200,
      'event.duration': 42_000_000,
      'envoy.upstream_service_time': 40,
      'envoy.upstream.host': '10.244.1.7:9080',
      'source.ip': '10.244.0.5',
      'mesh.destination.subset': 'v2',
      'mesh.route': 'reviews-route',
      'mesh.source.workload': 'productpage-v1',
      'mesh.source.namespace': 'bookinfo',
      'envoy.extra.req.x-tenant': 'acme',
    });
    expect(records[1]).toMatchObject({ 'envoy.response_flags': ['UO'], 'mesh.error_class': 'mesh' });
    expect(records[2]).toMatchObject({
      'envoy.format': 'envoy-als-tcp',
      'http.response.status_code': 0,
      'http.request.bytes': 100,
      'http.response.bytes': 2000,
      'event.duration': 2_000_000_000,
      'mesh.route': 'tcp',
      'mesh.destination.service': 'mysql',
      'mesh.source.workload': 'productpage-v1',
    });
  });

  it('ends a stream whose message does not decode with INVALID_ARGUMENT, and dead-letters it', async () => {
    const client = new Client(ENDPOINT, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = (
        client as unknown as {
          StreamAccessLogs: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<Buffer>;
        }
      ).StreamAccessLogs(resolve);
      call.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    });
    client.close();
    expect(status?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status?.details).toMatch(/^als payload could not be decoded: /);
    expect(ctx.deadLetters.entries.at(-1)).toMatchObject({ code: 'MESHLOG_DECODE_FAILED', payload_encoding: 'base64' });
  });

  it('ends the stream with RESOURCE_EXHAUSTED when the pipeline is full, counting every entry', async () => {
    const full = new CaptureIntake<AccessRecord>();
    full.full = true;
    const fctx = testContext('envoy_als');
    const r = new EnvoyAlsReceiver(
      envoyAlsConfig.parse({ endpoint: '127.0.0.1:44402', offerTimeoutMs: 0 }),
      { ...fctx, pool },
      full,
    );
    await r.start();
    const client = new Client('127.0.0.1:44402', grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = (
        client as unknown as {
          StreamAccessLogs: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<Buffer>;
        }
      ).StreamAccessLogs(resolve);
      call.write(
        encode({
          identifier: { node: { id: 'sidecar~10.244.0.5~productpage-v1-6b746f74dc-9stvs.default~default.svc' } },
          httpLogs: { logEntry: [httpEntry('r-1', 200), httpEntry('r-2', 200)] },
        }),
      );
    });
    client.close();
    await r.shutdown();
    expect(status?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await fctx.metrics.registry.getSingleMetricAsString('meshlog_rejected_total')).toContain(
      'reason="MESHLOG_QUEUE_FULL"} 2',
    );
  });

  it('closes a connection that never sends anything after idleTimeoutMs', async () => {
    const r = new EnvoyAlsReceiver(
      envoyAlsConfig.parse({ endpoint: '127.0.0.1:44403', idleTimeoutMs: 300, ackTimeoutMs: 100, offerTimeoutMs: 0 }),
      { ...testContext('envoy_als'), pool },
      sink,
    );
    await r.start();
    const { connect } = await import('node:net');
    const socket = connect(44403, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await r.shutdown();
  });
});
