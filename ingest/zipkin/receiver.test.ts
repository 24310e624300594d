import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { protoType } from '../../pipeline/proto/load.ts';
import type { SpanRecord } from '../../pipeline/records.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';
import { zipkinConfig } from './config.ts';
import { ZipkinReceiver } from './receiver.ts';

const URL_ = 'http://127.0.0.1:44190/api/v2/spans';
const SPAN = {
  traceId: '80f198ee56343ba864fe8b2a57d3eff7',
  id: 'e457b5a2e4d86bd1',
  kind: 'SERVER',
  name: 'reviews:9080/*',
  timestamp: 1714557600123456,
  duration: 1500,
  localEndpoint: { serviceName: 'reviews.default' },
  tags: { 'guid:x-request-id': 'zk-1', upstream_cluster: 'inbound|9080||' },
};

let pool: WorkerPool;
let receiver: ZipkinReceiver;
const sink = new CaptureIntake<SpanRecord>();

beforeAll(async () => {
  pool = new WorkerPool({ threads: 1 });
  receiver = new ZipkinReceiver(
    zipkinConfig.parse({ endpoint: '127.0.0.1:44190', maxBodyBytes: 64 * 1024 }),
    { ...testContext('zipkin'), pool },
    sink,
  );
  await receiver.start();
});
afterAll(async () => {
  await receiver.shutdown();
  await pool.close();
});
beforeEach(() => void (sink.records.length = 0));

describe('zipkin receiver', () => {
  it('accepts JSON (gzip too) with 202 and normalises Envoy spans', async () => {
    const res = await fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify([SPAN])),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, rejected: 0 });
    expect(sink.records[0]).toMatchObject({
      'trace.id': SPAN.traceId,
      'http.request.id': 'zk-1',
      'service.name': 'reviews.default',
      'span.kind': 'server',
    });
  });

  it('accepts proto3 ListOfSpans', async () => {
    const t = protoType('zipkin.proto3.ListOfSpans');
    const body = Buffer.from(
      t
        .encode(
          t.fromObject({
            spans: [{ ...SPAN, traceId: Buffer.from(SPAN.traceId, 'hex'), id: Buffer.from(SPAN.id, 'hex') }],
          }),
        )
        .finish(),
    );
    const res = await fetch(URL_, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(202);
    expect(sink.records[0]).toMatchObject({ 'trace.id': SPAN.traceId, 'span.id': SPAN.id, 'http.request.id': 'zk-1' });
  });

  it.each([
    ['malformed JSON', '[{"traceId": ', 400, 'zipkin-json payload could not be decoded'],
    ['a JSON object instead of an array', '{}', 400, 'a Zipkin v2 body is a JSON array of spans'],
    ['an oversized body', JSON.stringify(Array.from({ length: 1000 }, () => SPAN)), 413, 'exceeds'],
  ])('answers %s with %i and a reason', async (_n, body, status, message) => {
    const res = await fetch(URL_, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toContain(message);
  });

  it('answers 400 with a reason, not 500, to a POST with no body and no Content-Type', async () => {
    const res = await fetch(URL_, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'MESHLOG_BODY_MISSING',
      message: 'request has no body; send a list of spans',
    });
  });
});
