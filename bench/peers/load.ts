import * as grpc from '@grpc/grpc-js';
import { sleep } from './proc.ts';

/**
 * The load generators: each sends a fixed list of request bodies with `inFlight` requests
 * outstanding, retrying one that the server pushed back on (503 / UNAVAILABLE), and returns
 * the wall seconds it took. They run in the bench process, whose CPU is not counted.
 */
export async function postAll(
  url: string,
  bodies: Uint8Array[],
  contentType: string,
  inFlight: number,
): Promise<{ seconds: number; retries: number }> {
  let next = 0;
  let retries = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
          const answer = await res.arrayBuffer();
          if (res.ok) break;
          if ((res.status !== 503 && res.status !== 429) || attempt > 200)
            throw new Error(`${url} answered ${res.status}: ${Buffer.from(answer).toString().slice(0, 300)}`);
          retries++;
          await sleep(20);
        }
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, retries };
}

/** The same over gRPC unary calls (`path` is the full method path), bytes in and out as they are. */
export async function grpcAll(
  address: string,
  path: string,
  bodies: Uint8Array[],
  inFlight: number,
): Promise<{ seconds: number; retries: number }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const call = (body: Buffer) =>
    new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        (err) => resolve(err ?? null),
      ),
    );
  let next = 0;
  let retries = 0;
  const start = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < bodies.length) {
          const body = Buffer.from(bodies[next++]);
          for (let attempt = 0; ; attempt++) {
            const err = await call(body);
            if (!err) break;
            if (err.code !== grpc.status.UNAVAILABLE || attempt > 200) throw err;
            retries++;
            await sleep(20);
          }
        }
      }),
    );
  } finally {
    client.close();
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, retries };
}
