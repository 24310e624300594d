import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { outcomeOf, type Outcome } from '../../pipeline/batch.ts';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import { PipelineError, permanent } from '../../pipeline/errors.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { grpcAnswer, httpAnswer } from '../../pipeline/delivery/answer.ts';
import { deliver } from '../../pipeline/delivery/deliver.ts';
import { GrpcListener } from '../../pipeline/grpc/listener.ts';
import { grpcServerOptions } from '../../pipeline/grpc/server-options.ts';
import { decodeBody } from '../../pipeline/http/body.ts';
import { createReceiverServer, listenOn } from '../../pipeline/http/receiver-server.ts';
import { protoType } from '../../pipeline/proto/load.ts';
import { otlpConfig, type OtlpConfig } from './config.ts';
import { widenFlowControlWindows } from './grpc-window.ts';
import { LOGS, TRACES, type ExportOutcome, type OtlpSignal } from './signals.ts';

export const SIGNALS: OtlpSignal[] = [LOGS, TRACES];

/** An export response with nothing to report (no partial success) is the empty message: no bytes, no lookup. */
const NOTHING_TO_REPORT = Buffer.alloc(0);

function encodeResponse(signal: OtlpSignal, response: Record<string, unknown>): Buffer {
  if (Object.keys(response).length === 0) return NOTHING_TO_REPORT;
  const rt = protoType(signal.responseType);
  return Buffer.from(rt.encode(rt.fromObject(response)).finish());
}

/** What one export request came to: the batch's outcome, and the decoded request when it decoded. */
interface Answer {
  outcome: Outcome;
  decoded?: ExportOutcome;
}

/**
 * OTLP over HTTP (`POST /v1/logs`, `/v1/traces`; protobuf or JSON; gzip) and gRPC (`Export`).
 * The sender is answered once the pipeline settled the records (at most `ackTimeoutMs`), with
 * the shared outcome mapping: partial success with the rejected count and the first reason;
 * 400 / INVALID_ARGUMENT for a payload that does not decode; 413 over the size cap; 429 /
 * RESOURCE_EXHAUSTED (with RetryInfo) when meshlog is full; 503 / UNAVAILABLE for other
 * retryable outcomes.
 */
export class OtlpReceiver implements Receiver {
  readonly name: string;
  readonly #ctx: ComponentContext;
  readonly #config: OtlpConfig;
  readonly #next: Intake;
  readonly #http: FastifyInstance | undefined;
  readonly #grpc: grpc.Server | undefined;
  readonly #grpcListener: GrpcListener | undefined;

  constructor(config: OtlpConfig, ctx: ComponentContext, next: Intake, signals: OtlpSignal[] = SIGNALS) {
    this.name = ctx.name;
    this.#ctx = ctx;
    this.#config = config;
    this.#next = next;
    if (config.http.endpoint) {
      const app = createReceiverServer(ctx, config);
      for (const s of signals) app.post(s.httpPath, (req, reply) => this.#httpExport(s, req, reply));
      this.#http = app;
    }
    if (config.grpc.endpoint) {
      const server = new grpc.Server(grpcServerOptions(config, config.maxBodyBytes));
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
      this.#grpcListener = new GrpcListener(server, { ...config, endpoint: config.grpc.endpoint }, () =>
        ctx.metrics.reject(this.name, 'MESHLOG_IDLE_TIMEOUT'),
      );
    }
  }

  /** Decodes, then hands the records to the pipeline and waits for their outcome. */
  async #export(signal: OtlpSignal, data: Uint8Array, json: boolean): Promise<Answer> {
    const decoded = await signal.decode(this.#ctx, data, json);
    if (decoded.invalid) throw permanent('MESHLOG_DECODE_FAILED', { detail: decoded.invalid });
    this.#ctx.metrics.received.inc({ component: this.name }, decoded.records.length + decoded.rejected);
    if (decoded.records.length === 0) return { outcome: { status: 'delivered' }, decoded };
    return { outcome: await deliver(this.#ctx, this.#next, decoded.records, this.#config), decoded };
  }

  #response(signal: OtlpSignal, o: ExportOutcome): Record<string, unknown> {
    return o.rejected > 0
      ? { partialSuccess: { [signal.rejectedField]: o.rejected, errorMessage: o.errorMessage ?? '' } }
      : {};
  }

  /** An error before the records reached the pipeline (bad body, media type, decode): counted here. */
  #refused(err: unknown): Answer {
    if (!(err instanceof PipelineError)) throw err;
    this.#ctx.metrics.reject(this.name, err.code);
    return { outcome: outcomeOf(err) };
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
      const body = decodeBody(req.body as Buffer, req.headers['content-encoding'], this.#config.maxBodyBytes);
      answer = await this.#export(signal, body, json);
    } catch (err) {
      answer = this.#refused(err);
    }
    const refusal = httpAnswer(answer.outcome);
    if (refusal) {
      reply.code(refusal.status).headers(refusal.headers);
      const body = { code: grpcAnswer(answer.outcome)!.code, message: refusal.body.message };
      if (json) return reply.type('application/json').send(body);
      const st = protoType('google.rpc.Status');
      return reply.type('application/x-protobuf').send(Buffer.from(st.encode(st.fromObject(body)).finish()));
    }
    const response = this.#response(signal, answer.decoded!);
    if (json) return reply.type('application/json').send(response);
    return reply.type('application/x-protobuf').send(encodeResponse(signal, response));
  }

  async #grpcExport(
    signal: OtlpSignal,
    call: grpc.ServerUnaryCall<Buffer, Buffer>,
    cb: grpc.sendUnaryData<Buffer>,
  ): Promise<void> {
    const ended = this.#grpcListener!.callStarted(call.getPeer());
    let answer: Answer;
    try {
      // The message's buffer is moved to the worker as it is (decodeInPool), not copied first.
      answer = await this.#export(signal, call.request, false);
    } catch (err) {
      try {
        answer = this.#refused(err);
      } catch (internal) {
        this.#ctx.logger.error({ err: internal }, 'OTLP export failed internally');
        cb({ code: grpc.status.INTERNAL, details: (internal as Error).message });
        return;
      }
    } finally {
      ended();
    }
    const refusal = grpcAnswer(answer.outcome);
    if (refusal) return cb(refusal);
    cb(null, encodeResponse(signal, this.#response(signal, answer.decoded!)));
  }

  async start(): Promise<void> {
    if (this.#http) await listenOn(this.#http, this.#config.http.endpoint!);
    await this.#grpcListener?.start();
    if (this.#grpc && !widenFlowControlWindows(this.#grpc))
      this.#ctx.logger.warn('OTLP/gRPC: HTTP/2 windows left at 64 KiB (this grpc-js has no http2Servers field)');
  }

  async shutdown(): Promise<void> {
    await this.#http?.close();
    await this.#grpcListener?.shutdown(2000);
    this.#grpc?.forceShutdown();
  }
}

export const otlpFactory: ReceiverFactory<OtlpConfig> = {
  kind: 'receiver',
  type: 'otlp',
  config: otlpConfig,
  create: (config, ctx, next) => new OtlpReceiver(config, ctx, next),
};
