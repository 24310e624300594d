import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureIntake } from '../../pipeline/testing/capture.ts';
import { testContext } from '../../pipeline/testing/context.ts';
import { httpLinesConfig } from './config.ts';
import { HttpLinesReceiver } from './receiver.ts';

const PORT = 44150;
let receiver: HttpLinesReceiver | undefined;
afterEach(async () => receiver?.shutdown());

/** Opens a raw connection; resolves `closed` when the server closes it. */
function open() {
  const socket = connect(PORT, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume(); // read what the server sends (its 408), so its close is seen
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, closed };
}

describe('http_lines listener timeouts', () => {
  it('closes connections that send nothing, half the headers, or half a body', async () => {
    receiver = new HttpLinesReceiver(
      httpLinesConfig.parse({
        endpoint: `127.0.0.1:${PORT}`,
        idleTimeoutMs: 400,
        headersTimeoutMs: 300,
        requestTimeoutMs: 300,
        ackTimeoutMs: 100,
        offerTimeoutMs: 0,
      }),
      testContext('http_lines'),
      new CaptureIntake(),
    );
    await receiver.start();
    const silent = open();
    const halfHeaders = open();
    halfHeaders.socket.write('POST /v1/lines HTTP/1.1\r\nHost: x\r\n');
    const halfBody = open();
    halfBody.socket.write('POST /v1/lines HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nfirst line\n');
    // Resolves only if the server closes all three; the test timeout is the bound.
    await Promise.all([silent.closed, halfHeaders.closed, halfBody.closed]);
    expect([silent, halfHeaders, halfBody].every((c) => c.socket.destroyed)).toBe(true);
  });
});
