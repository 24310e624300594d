import * as grpc from '@grpc/grpc-js';
import { encode, decode } from '@msgpack/msgpack';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvoyAlsReceiver } from '../../ingest/envoy_als/receiver.ts';
import { envoyAlsConfig } from '../../ingest/envoy_als/config.ts';
import { FluentForwardReceiver } from '../../ingest/fluent_forward/receiver.ts';
import { fluentForwardConfig } from '../../ingest/fluent_forward/config.ts';
import { HttpLinesReceiver } from '../../ingest/http_lines/receiver.ts';
import { httpLinesConfig } from '../../ingest/http_lines/config.ts';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { httpsRequest } from '../../pipeline/testing/https-get.ts';
import { makeTestCerts, type TestCerts } from '../../pipeline/testing/tls-certs.ts';
import { WorkerPool } from '../../pipeline/workers/pool.ts';

// Every listener takes the same `tls` block; these start real receivers with certificates made
// for this run and talk to them as a client outside the mesh would.
let certs: TestCerts;
let tls: { certFile: string; keyFile: string; caFile: string; clientAuth: boolean };
beforeAll(() => {
  certs = makeTestCerts();
  tls = { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, clientAuth: true };
});

describe('http_lines over TLS with client certificates', () => {
  const sink = new CaptureIntake();
  let r: HttpLinesReceiver;
  beforeAll(async () => {
    r = new HttpLinesReceiver(httpLinesConfig.parse({ endpoint: '127.0.0.1:44701', tls }), testContext('h'), sink);
    await r.start();
  });
  afterAll(() => r.shutdown());

  it('takes lines from a client with a certificate and refuses one without', async () => {
    const url = 'https://127.0.0.1:44701/v1/lines';
    const ok = await httpsRequest(url, {
      method: 'POST',
      body: 'a\nb\n',
      ca: certs.ca,
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    expect(ok).toEqual({ status: 200, body: '{"accepted":2}' });
    await expect(httpsRequest(url, { method: 'POST', body: 'c\n', ca: certs.ca })).rejects.toThrow();
    expect(sink.records).toHaveLength(1);
  });
});

describe('fluent_forward over TLS', () => {
  const sink = new CaptureIntake();
  let r: FluentForwardReceiver;
  beforeAll(async () => {
    r = new FluentForwardReceiver(
      fluentForwardConfig.parse({ endpoint: '127.0.0.1:44702', tls }),
      testContext('f'),
      sink,
    );
    await r.start();
  });
  afterAll(() => r.shutdown());

  it('acks a chunk sent over TLS by a client with a certificate', async () => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: 44702,
      ca: certs.ca,
      cert: certs.clientCert,
      key: certs.clientKey,
    });
    const reply = new Promise<unknown>((resolve) => socket.once('data', (d) => resolve(decode(d))));
    socket.write(encode(['kube.proxy', [[1714557600, { log: 'a line' }]], { chunk: 'tls-1' }]));
    expect(await reply).toEqual({ ack: 'tls-1' });
    socket.end();
  });
});

describe('envoy_als (gRPC) over TLS', () => {
  let pool: WorkerPool;
  let r: EnvoyAlsReceiver;
  beforeAll(async () => {
    pool = new WorkerPool({ threads: 1 });
    r = new EnvoyAlsReceiver(
      envoyAlsConfig.parse({ endpoint: '127.0.0.1:44703', tls }),
      { ...testContext('als'), pool },
      new CaptureIntake(),
    );
    await r.start();
  });
  afterAll(async () => {
    await r.shutdown();
    await pool.close();
  });

  const call = (creds: grpc.ChannelCredentials) => {
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
    const client = new Client('127.0.0.1:44703', creds, { 'grpc.ssl_target_name_override': 'localhost' });
    return new Promise<grpc.ServiceError | null>((resolve) => {
      const stream = (
        client as unknown as {
          StreamAccessLogs: (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<Buffer>;
        }
      ).StreamAccessLogs((err) => {
        client.close();
        resolve(err);
      });
      stream.end();
    });
  };

  it('completes a stream from a client with a certificate and refuses one without', async () => {
    expect(await call(grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert))).toBeNull();
    expect((await call(grpc.credentials.createSsl(certs.ca)))?.code).toBe(grpc.status.UNAVAILABLE);
  });
});
