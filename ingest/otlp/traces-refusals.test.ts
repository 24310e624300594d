import * as grpc from '@grpc/grpc-js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../pipeline/records.ts';
import { SPANS_PER_REQUEST, spansRequest } from '../../bench/peers/inputs.ts';
import { startedOtlpReceiver } from './testdata/started-receiver.ts';

const GRPC = '127.0.0.1:44198';
const HTTP = 'http://127.0.0.1:44199';
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const { sink, ctx } = startedOtlpReceiver<SpanRecord>({ grpc: { endpoint: GRPC }, http: { endpoint: HTTP.slice(7) } });
beforeEach(() => {
  sink.records.length = 0;
  ctx.deadLetters.entries.length = 0;
});

function grpcExport(body: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(GRPC, grpc.credentials.createInsecure());
  return new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      EXPORT,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      (err) => resolve(err ?? null),
    ),
  ).finally(() => client.close());
}

/** A whole export that breaks off part way: its spans decode, then the bytes end inside one. */
const truncated = () => Buffer.from(spansRequest(7).subarray(0, 200_000));

describe('OTLP traces whose protobuf breaks off', () => {
  it('HTTP: 400, no span of the request goes on, and the request is dead-lettered whole with the reason', async () => {
    const body = truncated();
    const res = await fetch(`${HTTP}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(res.status).toBe(400);
    expect(sink.records).toEqual([]);
    expect(ctx.deadLetters.entries).toHaveLength(1);
    const [dead] = ctx.deadLetters.entries;
    expect(dead.code).toBe('MESHLOG_DECODE_FAILED');
    expect(dead.payload_encoding).toBe('base64');
    expect(dead.reason).toMatch(/^otlp-traces-proto payload could not be decoded: index out of range/);
    expect(Buffer.from(dead.payload, 'base64').equals(body)).toBe(true);
  });

  it('gRPC: INVALID_ARGUMENT, and the dead letter holds the request bytes although they were moved to the worker', async () => {
    const body = truncated();
    const err = await grpcExport(body);
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(sink.records).toEqual([]);
    expect(ctx.deadLetters.entries).toHaveLength(1);
    expect(Buffer.from(ctx.deadLetters.entries[0].payload, 'base64').equals(body)).toBe(true);
  });

  it('gRPC: the next export on the same server decodes whole', async () => {
    expect(await grpcExport(Buffer.from(spansRequest(8)))).toBeNull();
    expect(sink.records).toHaveLength(SPANS_PER_REQUEST);
    expect(ctx.deadLetters.entries).toEqual([]);
  });
});
