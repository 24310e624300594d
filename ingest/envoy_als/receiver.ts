import * as grpc from '@grpc/grpc-js';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import { grpcAnswer } from '../../pipeline/delivery/answer.ts';
import { deliver } from '../../pipeline/delivery/deliver.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { GrpcListener } from '../../pipeline/grpc/listener.ts';
import { grpcServerOptions } from '../../pipeline/grpc/server-options.ts';
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
 * Messages of one stream are handled in order, one at a time, each after the pipeline settled the
 * last (at most `ackTimeoutMs`): a slow pipeline stops the reads, and HTTP/2 flow control pushes
 * back on Envoy. A message that does not decode ends the stream with INVALID_ARGUMENT and the
 * reason (Envoy reconnects); its bytes go to the dead-letter sink. A message the pipeline cannot
 * take (full, past the memory limit, not settled in time, rejected) ends the stream with the
 * shared gRPC answer (RESOURCE_EXHAUSTED, UNAVAILABLE, INVALID_ARGUMENT): Envoy does not resend
 * access logs, so that message is lost, counted in meshlog_rejected_total, and Envoy reconnects.
 */
export class EnvoyAlsReceiver implements Receiver {
  readonly name: string;
  readonly #server: grpc.Server;
  readonly #config: EnvoyAlsConfig;
  readonly #calls = new Set<grpc.ServerReadableStream<Buffer, Buffer>>();
  readonly #listener: GrpcListener;

  constructor(config: EnvoyAlsConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    this.#server = new grpc.Server(grpcServerOptions(config, config.maxMessageBytes));
    this.#server.addService(SERVICE, {
      StreamAccessLogs: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.#calls.add(call);
        const ended = this.#listener.callStarted(call.getPeer());
        void this.#stream(call, ctx, next)
          .then(
            () => callback(null, Buffer.alloc(0)),
            (err: grpc.ServiceError) => callback(err),
          )
          .finally(() => {
            this.#calls.delete(call);
            ended();
          });
      },
    });
    this.#listener = new GrpcListener(this.#server, config, () =>
      ctx.metrics.reject(this.name, 'MESHLOG_IDLE_TIMEOUT'),
    );
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
      const refusal = grpcAnswer(await deliver(ctx, next, result.records, this.#config));
      if (refusal) throw Object.assign(new Error(refusal.details), refusal);
    }
  }

  async start(): Promise<void> {
    await this.#listener.start();
  }

  /** Stops taking streams, ends the open ones (Envoy keeps ALS streams open for ever), then closes. Idempotent. */
  async shutdown(): Promise<void> {
    for (const call of this.#calls) call.destroy();
    await this.#listener.shutdown(2000);
    this.#server.forceShutdown();
  }
}

export const envoyAlsFactory: ReceiverFactory<EnvoyAlsConfig> = {
  kind: 'receiver',
  type: 'envoy_als',
  config: envoyAlsConfig,
  create: (config, ctx, next) => new EnvoyAlsReceiver(config, ctx, next),
};
