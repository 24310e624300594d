import * as grpc from '@grpc/grpc-js';
import { createBatch } from '../../pipeline/batch.ts';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { decodeInPool } from '../../processors/parse/decode-in-pool.ts';
import { envoyAlsConfig, type EnvoyAlsConfig } from './config.ts';

const identity = (b: Buffer) => b;

/** The service definition by hand: requests stay raw bytes, decoded in the worker pool. */
const SERVICE: grpc.ServiceDefinition = {
  StreamAccessLogs: {
    path: '/envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs',
    requestStream: true,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: () => Buffer.alloc(0), // StreamAccessLogsResponse is empty
    responseDeserialize: identity,
  },
};

/**
 * Receives `StreamAccessLogs` streams. The identifier (node id, log name) arrives only on a
 * stream's first message, so it is remembered per stream and applied to every later message.
 * Messages of one stream are handled in order, one at a time: a full pipeline stops the reads,
 * and HTTP/2 flow control pushes back on Envoy. A message that does not decode ends the stream
 * with INVALID_ARGUMENT and the reason (Envoy reconnects); its bytes go to the dead-letter sink.
 */
export class EnvoyAlsReceiver implements Receiver {
  readonly name: string;
  readonly #server: grpc.Server;
  readonly #config: EnvoyAlsConfig;
  readonly #calls = new Set<grpc.ServerReadableStream<Buffer, Buffer>>();

  constructor(config: EnvoyAlsConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    this.#server = new grpc.Server({ 'grpc.max_receive_message_length': config.maxMessageBytes });
    this.#server.addService(SERVICE, {
      StreamAccessLogs: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.#calls.add(call);
        void this.#stream(call, ctx, next)
          .then(
            () => callback(null, Buffer.alloc(0)),
            (err: grpc.ServiceError) => callback(err),
          )
          .finally(() => this.#calls.delete(call));
      },
    });
  }

  async #stream(call: grpc.ServerReadableStream<Buffer, Buffer>, ctx: ComponentContext, next: Intake): Promise<void> {
    let nodeId: string | undefined;
    for await (const message of call as AsyncIterable<Buffer>) {
      const data = new Uint8Array(message);
      const result = await decodeInPool(ctx, {
        encoding: 'als',
        data,
        receiver: ctx.name,
        context: nodeId ? { nodeId } : {},
      });
      if (result.undecodable) {
        throw Object.assign(new Error(result.undecodable), {
          code: grpc.status.INVALID_ARGUMENT,
          details: result.undecodable,
        });
      }
      if (result.identifier?.nodeId) nodeId = result.identifier.nodeId;
      if (nodeId && this.#config.gatewayNodePrefixes.some((p) => nodeId!.startsWith(p))) {
        for (const r of result.records) if (r['mesh.direction'] === 'outbound') r['mesh.direction'] = 'gateway';
      }
      const entries = result.records.length + result.rejections.length;
      ctx.metrics.received.inc({ component: this.name }, entries);
      if (result.records.length === 0) continue;
      await next.consume(createBatch(result.records));
      ctx.metrics.accepted.inc({ component: this.name }, result.records.length);
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.#server.bindAsync(this.#config.endpoint, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Stops taking streams, lets open ones finish what they read, then closes. Idempotent. */
  async shutdown(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, 2000);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      // Envoy keeps ALS streams open for ever; ending ours makes tryShutdown complete.
      for (const call of this.#calls) call.destroy();
    });
  }
}

export const envoyAlsFactory: ReceiverFactory<EnvoyAlsConfig> = {
  kind: 'receiver',
  type: 'envoy_als',
  config: envoyAlsConfig,
  create: (config, ctx, next) => new EnvoyAlsReceiver(config, ctx, next),
};
