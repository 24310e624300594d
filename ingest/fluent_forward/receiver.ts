import { decode, encode } from '@msgpack/msgpack';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import { forwardAcks } from '../../pipeline/delivery/answer.ts';
import { deliver } from '../../pipeline/delivery/deliver.ts';
import { PipelineError } from '../../pipeline/errors.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { parseEndpoint } from '../../pipeline/net.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { readTls } from '../../pipeline/tls.ts';
import { fluentForwardConfig, type FluentForwardConfig } from './config.ts';
import { FLUENT_CODEC, readForwardMessage, recordsToLines } from './events.ts';
import { MsgpackFramer } from './framer.ts';

/**
 * The forward protocol over TCP (or TLS with a `tls` block). Each connection is read as a
 * msgpack stream, one message at a time; the next message is not read until the pipeline has
 * settled the last one (at most `ackTimeoutMs`), so a full pipeline stops the reads and TCP
 * pushes back on Fluent Bit. With the `chunk` option the sender gets `{ack}` only once the
 * records are delivered; any other outcome (full, past the memory limit, retryable, rejected)
 * closes the connection unacknowledged and Fluent Bit resends the chunk.
 * Messages are framed by their headers before they are decoded (see MsgpackFramer), so a header
 * claiming more than the bytes can hold allocates nothing. Closed with a logged, counted reason:
 * bad msgpack, a message of the wrong shape, a message claiming more than `maxElements` elements
 * or `maxMessageBytes` bytes, and a connection silent for `idleTimeoutMs` (also one that stopped
 * mid-message).
 * Not supported: the HELO/PING shared-key handshake.
 */
/** Deepest nesting a forward message needs is 4 (message, entries, entry, record); maps inside records add a few. */
const MAX_DEPTH = 16;

export class FluentForwardReceiver implements Receiver {
  readonly name: string;
  readonly #config: FluentForwardConfig;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(config: FluentForwardConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    const onConnection = (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.setTimeout(config.idleTimeoutMs, () => {
        ctx.metrics.reject(this.name, 'MESHLOG_IDLE_TIMEOUT');
        socket.destroy();
      });
      this.#serve(socket, ctx, next).catch((err: Error) => {
        const code = err instanceof PipelineError ? err.code : 'MESHLOG_DECODE_FAILED';
        ctx.metrics.reject(this.name, code);
        ctx.logger.warn({ remote: socket.remoteAddress, code, reason: err.message }, 'closing forward connection');
        socket.destroy();
      });
    };
    this.#server = config.tls ? createTlsServer(readTls(config.tls), onConnection) : createServer(onConnection);
    // A TLS handshake that fails (no or a wrong client certificate) only closes that connection.
    this.#server.on('tlsClientError', () => ctx.metrics.reject(this.name, 'MESHLOG_UNAUTHORIZED'));
  }

  async #serve(socket: Socket, ctx: ComponentContext, next: Intake): Promise<void> {
    const { maxMessageBytes, maxElements } = this.#config;
    const framer = new MsgpackFramer({ maxBytes: maxMessageBytes, maxElements, maxDepth: MAX_DEPTH });
    // While a message is in the pipeline the loop does not ask for more: the socket pauses.
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      framer.append(chunk);
      for (let bytes = framer.next(); bytes; bytes = framer.next()) {
        if (!(await this.#handle(bytes, socket, ctx, next))) return;
      }
    }
    socket.end();
  }

  /** One whole message: decoded, delivered, acknowledged. False when the connection was closed. */
  async #handle(bytes: Buffer, socket: Socket, ctx: ComponentContext, next: Intake): Promise<boolean> {
    const { maxMessageBytes, maxElements } = this.#config;
    const msg = decode(bytes, { extensionCodec: FLUENT_CODEC });
    const { tag, records, chunk } = readForwardMessage(msg, { maxBytes: maxMessageBytes, maxElements });
    ctx.metrics.received.inc({ component: this.name }, records.length);
    if (records.length > 0) {
      const raw: RawChunk = {
        encoding: 'lines',
        data: recordsToLines(records),
        receiver: this.name,
        context: { format: this.#config.format, tag },
      };
      const outcome = await deliver(ctx, next, [raw], { ...this.#config, count: records.length });
      if (!forwardAcks(outcome)) {
        ctx.logger.warn({ remote: socket.remoteAddress, outcome }, 'closing forward connection without ack');
        socket.destroy();
        return false;
      }
    }
    if (chunk !== undefined && !socket.destroyed) socket.write(encode({ ack: chunk }));
    return true;
  }

  async start(): Promise<void> {
    const { host, port } = parseEndpoint(this.#config.endpoint);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
  }

  async shutdown(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.end();
    setTimeout(() => this.#sockets.forEach((s) => s.destroy()), 2000).unref();
    await closed;
  }
}

export const fluentForwardFactory: ReceiverFactory<FluentForwardConfig> = {
  kind: 'receiver',
  type: 'fluent_forward',
  config: fluentForwardConfig,
  create: (config, ctx, next) => new FluentForwardReceiver(config, ctx, next),
};
