import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createBatch } from '../../pipeline/batch.ts';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import { PipelineError, permanent } from '../../pipeline/errors.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { decodeBody, httpStatusFor } from '../../pipeline/http/body.ts';
import { createReceiverServer, listenOn } from '../../pipeline/http/receiver-server.ts';
import { protoType } from '../../pipeline/proto/load.ts';
import { otlpConfig, type OtlpConfig } from './config.ts';
import { LOGS, TRACES, type ExportOutcome, type OtlpSignal } from './signals.ts';

export const SIGNALS: OtlpSignal[] = [LOGS, TRACES];

type Answer = { ok: true; outcome: ExportOutcome } | { ok: false; error: PipelineError };

/**
 * OTLP over HTTP (`POST /v1/logs`, `/v1/traces`; protobuf or JSON; gzip) and gRPC (`Export`).
 * Answers follow the OTLP spec: partial success with the rejected count and the first reason;
 * 400 / INVALID_ARGUMENT for a payload that does not decode; 413 / RESOURCE_EXHAUSTED over the
 * size cap; 503 + Retry-After / UNAVAILABLE when the pipeline is full (both retryable).
 */
export class OtlpReceiver implements Receiver {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: OtlpConfig;
  readonly #next: Intake;
  readonly #http: FastifyInstance | undefined;
  readonly #grpc: grpc.Server | undefined;

  constructor(config: OtlpConfig, ctx: ComponentContext, next: Intake, signals: OtlpSignal[] = SIGNALS) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#next = next;
    if (config.http.endpoint) {
      const app = createReceiverServer(ctx, config.maxBodyBytes);
      for (const s of signals) app.post(s.httpPath, (req, reply) => this.#httpExport(s, req, reply));
      this.#http = app;
    }
    if (config.grpc.endpoint) {
      const server = new grpc.Server({ 'grpc.max_receive_message_length': config.maxBodyBytes });
      const identity = (b: Buffer) => b;
      for (const s of signals) {
        const def: grpc.ServiceDefinition = {
          Export: {
            path: s.grpcPath,
            requestStream: false,
            responseStream: false,
            requestSerialize: identity,
            requestDeserialize: identity,
            responseSerialize: identity,
            responseDeserialize: identity,
          },
        };
        server.addService(def, {
          Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
            void this.#grpcExport(s, call, cb),
        });
      }
      this.#grpc = server;
    }
  }

  /** Decodes, then hands the records to the pipeline; the sender is answered only after that. */
  async #export(signal: OtlpSignal, data: Uint8Array, json: boolean): Promise<Answer> {
    const outcome = await signal.decode(this.#ctx, data, json);
    if (outcome.invalid) return { ok: false, error: permanent('MESHLOG_DECODE_FAILED', { detail: outcome.invalid }) };
    this.#ctx.metrics.received.inc({ component: this.name }, outcome.records.length + outcome.rejected);
    if (outcome.records.length > 0) {
      const accepted = await this.#next.offer(createBatch(outcome.records), this.#config.offerTimeoutMs);
      if (!accepted) {
        this.#ctx.metrics.reject(this.name, 'MESHLOG_QUEUE_FULL', outcome.records.length);
        return { ok: false, error: new PipelineError('throttled', 'MESHLOG_QUEUE_FULL', { queue: this.name }, 1000) };
      }
      this.#ctx.metrics.accepted.inc({ component: this.name }, outcome.records.length);
    }
    return { ok: true, outcome };
  }

  #response(signal: OtlpSignal, o: ExportOutcome): Record<string, unknown> {
    return o.rejected > 0
      ? { partialSuccess: { [signal.rejectedField]: o.rejected, errorMessage: o.errorMessage ?? '' } }
      : {};
  }

  async #httpExport(signal: OtlpSignal, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const json = type === 'application/json';
    let answer: Answer;
    try {
      if (!json && type !== 'application/x-protobuf')
        throw permanent('MESHLOG_UNSUPPORTED_MEDIA', { contentType: type || '(none)' });
      answer = await this.#export(
        signal,
        decodeBody(req.body as Buffer, req.headers['content-encoding'], this.#config.maxBodyBytes),
        json,
      );
    } catch (err) {
      if (!(err instanceof PipelineError)) throw err;
      answer = { ok: false, error: err };
    }
    if (!answer.ok) {
      const status = httpStatusFor(answer.error);
      this.#ctx.metrics.reject(this.name, answer.error.code);
      if (status === 429 || status === 503) reply.header('retry-after', '1').code(503);
      else reply.code(status);
      const body = {
        code: status === 503 ? grpc.status.UNAVAILABLE : grpc.status.INVALID_ARGUMENT,
        message: answer.error.message,
      };
      if (json) return reply.type('application/json').send(body);
      const st = protoType('google.rpc.Status');
      return reply.type('application/x-protobuf').send(Buffer.from(st.encode(st.fromObject(body)).finish()));
    }
    const response = this.#response(signal, answer.outcome);
    if (json) return reply.type('application/json').send(response);
    const rt = protoType(signal.responseType);
    return reply.type('application/x-protobuf').send(Buffer.from(rt.encode(rt.fromObject(response)).finish()));
  }

  async #grpcExport(
    signal: OtlpSignal,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    cb: grpc.sendUnaryData<Buffer>,
  ): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.#export(signal, new Uint8Array(call.request), false);
    } catch (err) {
      cb({ code: grpc.status.INTERNAL, details: (err as Error).message });
      return;
    }
    if (!answer.ok) {
      this.#ctx.metrics.reject(this.name, answer.error.code);
      const code = answer.error.kind === 'permanent' ? grpc.status.INVALID_ARGUMENT : grpc.status.UNAVAILABLE;
      cb({ code, details: answer.error.message });
      return;
    }
    const rt = protoType(signal.responseType);
    cb(null, Buffer.from(rt.encode(rt.fromObject(this.#response(signal, answer.outcome))).finish()));
  }

  async start(): Promise<void> {
    if (this.#http) await listenOn(this.#http, this.#config.http.endpoint!);
    if (this.#grpc) {
      await new Promise<void>((resolve, reject) =>
        this.#grpc!.bindAsync(this.#config.grpc.endpoint!, grpc.ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    }
  }

  async shutdown(): Promise<void> {
    await this.#http?.close();
    const server = this.#grpc;
    if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}

export const otlpFactory: ReceiverFactory<OtlpConfig> = {
  kind: 'receiver',
  type: 'otlp',
  config: otlpConfig,
  create: (config, ctx, next) => new OtlpReceiver(config, ctx, next),
};
