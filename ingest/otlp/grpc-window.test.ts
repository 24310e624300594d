import * as grpc from '@grpc/grpc-js';
import { connect, type ClientHttp2Session } from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../pipeline/records.ts';
import { SPANS_PER_REQUEST, spansRequest } from '../../bench/peers/inputs.ts';
import { GRPC_WINDOW_BYTES } from './grpc-window.ts';
import { startedOtlpReceiver } from './testdata/started-receiver.ts';

const GRPC = '127.0.0.1:44197';

const { sink } = startedOtlpReceiver<SpanRecord>({ grpc: { endpoint: GRPC }, http: { endpoint: null } });

describe('OTLP/gRPC HTTP/2 flow control', () => {
  it('offers senders a window of 1 MiB per stream, not HTTP/2’s 64 KiB', async () => {
    const session: ClientHttp2Session = connect(`http://${GRPC}`);
    try {
      await new Promise<void>((resolve, reject) => {
        session.once('remoteSettings', () => resolve());
        session.once('error', reject);
      });
      // The server's own SETTINGS frames all come before its answer to a ping sent after them.
      await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
      expect(session.remoteSettings.initialWindowSize).toBe(GRPC_WINDOW_BYTES);
    } finally {
      session.close();
    }
  });

  it('takes an export larger than the window whole', async () => {
    const client = new grpc.Client(GRPC, grpc.credentials.createInsecure());
    const body = Buffer.concat([spansRequest(1), spansRequest(2), spansRequest(3)]);
    expect(body.length).toBeGreaterThan(GRPC_WINDOW_BYTES);
    try {
      await new Promise<void>((resolve, reject) =>
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          (err) => (err ? reject(err) : resolve()),
        ),
      );
    } finally {
      client.close();
    }
    expect(sink.records).toHaveLength(3 * SPANS_PER_REQUEST);
  });
});
