import type { FastifyInstance } from 'fastify';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import { permanent } from '../../pipeline/errors.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { decodeBody } from '../../pipeline/http/body.ts';
import { deliver } from '../../pipeline/delivery/deliver.ts';
import { createReceiverServer, listenOn, sendError, sendOutcome } from '../../pipeline/http/receiver-server.ts';
import { decodeInPool } from '../../processors/parse/decode-in-pool.ts';
import { zipkinConfig, type ZipkinConfig } from './config.ts';

/**
 * `POST /api/v2/spans` as JSON or proto3 (`application/x-protobuf`), gzip allowed. Answers once
 * the pipeline settled the spans (at most `ackTimeoutMs`): 202 like Zipkin does; 400 with the
 * reason when the body is missing or does not decode; 413 over the cap; 429/503 + Retry-After
 * when meshlog is full or the spans must be retried. Spans that fail on their own are
 * dead-lettered, and the response says how many.
 */
export class ZipkinReceiver implements Receiver {
  readonly name: string;
  readonly #app: FastifyInstance;
  readonly #config: ZipkinConfig;

  constructor(config: ZipkinConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    this.#app = createReceiverServer(ctx, config);
    this.#app.post('/api/v2/spans', async (req, reply) => {
      const type = String(req.headers['content-type'] ?? 'application/json')
        .split(';')[0]
        .trim();
      const proto = type === 'application/x-protobuf' || type === 'application/protobuf';
      let data: Uint8Array;
      try {
        if (!proto && type !== 'application/json') throw permanent('MESHLOG_UNSUPPORTED_MEDIA', { contentType: type });
        data = decodeBody(req.body as Buffer, req.headers['content-encoding'], config.maxBodyBytes, 'a list of spans');
      } catch (err) {
        return sendError(ctx, reply, err);
      }
      const result = await decodeInPool(ctx, {
        encoding: proto ? 'zipkin-proto' : 'zipkin-json',
        data,
        receiver: ctx.name,
      });
      if (result.undecodable)
        return sendError(ctx, reply, permanent('MESHLOG_DECODE_FAILED', { detail: result.undecodable }));
      const spans = result.spans ?? [];
      ctx.metrics.received.inc({ component: ctx.name }, spans.length + result.rejections.length);
      if (spans.length > 0) {
        const answered = sendOutcome(reply, await deliver(ctx, next, spans, config));
        if (answered) return answered;
      }
      return reply.code(202).send({
        accepted: spans.length,
        rejected: result.rejections.length,
        ...(result.rejections[0] ? { error: result.rejections[0].reason } : {}),
      });
    });
  }

  async start(): Promise<void> {
    await listenOn(this.#app, this.#config.endpoint);
  }

  async shutdown(): Promise<void> {
    await this.#app.close();
  }
}

export const zipkinFactory: ReceiverFactory<ZipkinConfig> = {
  kind: 'receiver',
  type: 'zipkin',
  config: zipkinConfig,
  create: (config, ctx, next) => new ZipkinReceiver(config, ctx, next),
};
