import { encode, decodeMultiStream } from '@msgpack/msgpack';
import { createServer, type Server, type Socket } from 'node:net';
import { createBatch } from '../../pipeline/batch.ts';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { parseEndpoint } from '../../pipeline/net.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { fluentForwardConfig, type FluentForwardConfig } from './config.ts';
import { FLUENT_CODEC, readForwardMessage, recordsToLines } from './events.ts';

/**
 * The forward protocol over TCP. Each connection is read as a msgpack stream, one message at a
 * time; the next message is not read until the last one is in the pipeline, so a full pipeline
 * stops the reads and TCP pushes back on Fluent Bit. With the `chunk` option the sender gets
 * `{ack}` only after that. Bad msgpack or a message of the wrong shape closes the connection
 * with a logged, counted reason (the sender re-sends what was not acknowledged).
 * Not supported: the HELO/PING shared-key handshake and TLS.
 */
export class FluentForwardReceiver implements Receiver {
  readonly name: string;
  readonly #config: FluentForwardConfig;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(config: FluentForwardConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      this.#serve(socket, ctx, next).catch((err: Error) => {
        ctx.metrics.reject(this.name, 'MESHLOG_DECODE_FAILED');
        ctx.logger.warn({ remote: socket.remoteAddress, reason: err.message }, 'closing forward connection');
        socket.destroy();
      });
    });
  }

  async #serve(socket: Socket, ctx: ComponentContext, next: Intake): Promise<void> {
    for await (const msg of decodeMultiStream(socket, {
      extensionCodec: FLUENT_CODEC,
      maxBinLength: this.#config.maxMessageBytes,
      maxStrLength: this.#config.maxMessageBytes,
    })) {
      const { tag, records, chunk } = readForwardMessage(msg, this.#config.maxMessageBytes);
      ctx.metrics.received.inc({ component: this.name }, records.length);
      if (records.length > 0) {
        const raw: RawChunk = {
          encoding: 'lines',
          data: recordsToLines(records),
          receiver: this.name,
          context: { format: this.#config.format, tag },
        };
        await next.consume(createBatch([raw]));
        ctx.metrics.accepted.inc({ component: this.name }, records.length);
      }
      if (chunk !== undefined && !socket.destroyed) socket.write(encode({ ack: chunk }));
    }
    socket.end();
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
