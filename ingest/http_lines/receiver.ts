import type { FastifyInstance } from 'fastify';
import type { ComponentContext, Intake, Receiver } from '../../pipeline/component.ts';
import type { ReceiverFactory } from '../../pipeline/factory.ts';
import { deliver } from '../../pipeline/delivery/deliver.ts';
import { decodeBody } from '../../pipeline/http/body.ts';
import { createReceiverServer, listenOn, sendError, sendOutcome } from '../../pipeline/http/receiver-server.ts';
import type { RawChunk } from '../../pipeline/records.ts';
import { PipelineError, permanent } from '../../pipeline/errors.ts';
import { countLines, fluentBitLines } from './fluentbit-body.ts';
import { httpLinesConfig, type HttpLinesConfig } from './config.ts';

/**
 * POST /v1/lines with newline-separated access-log lines (gzip or deflate allowed).
 * Answers once the pipeline has settled the batch (at most `ackTimeoutMs`): 200 `{accepted}`
 * when delivered; 429/503 + Retry-After when meshlog is full or the batch must be retried; 400
 * with the reason for a body that cannot be decoded or a batch the pipeline rejected; 413 over
 * the size cap.
 */
export class HttpLinesReceiver implements Receiver {
  readonly name: string;
  readonly #app: FastifyInstance;
  readonly #config: HttpLinesConfig;

  constructor(config: HttpLinesConfig, ctx: ComponentContext, next: Intake) {
    this.name = ctx.name;
    this.#config = config;
    this.#app = createReceiverServer(ctx, config);
    this.#app.post('/v1/lines', async (req, reply) => {
      let data: Uint8Array;
      try {
        data = decodeBody(req.body as Buffer, req.headers['content-encoding'], config.maxBodyBytes, 'access-log lines');
      } catch (err) {
        return sendError(ctx, reply, err);
      }
      const lines = countLines(data);
      ctx.metrics.received.inc({ component: ctx.name }, lines);
      const chunk: RawChunk = { encoding: 'lines', data, receiver: ctx.name, context: { format: config.format } };
      const outcome = await deliver(ctx, next, [chunk], { ...config, count: lines });
      return sendOutcome(reply, outcome) ?? { accepted: lines };
    });
    this.#fluentBitRoute(ctx, next, config);
  }

  /**
   * POST /v1/fluentbit: Fluent Bit's `http` output, with `format json` (an array of records),
   * `json_lines`, or `msgpack` (a stream of `[time, record]` entries).
   */
  #fluentBitRoute(ctx: ComponentContext, next: Intake, config: HttpLinesConfig): void {
    this.#app.post('/v1/fluentbit', async (req, reply) => {
      let lines: Buffer;
      let count: number;
      try {
        const body = decodeBody(req.body as Buffer, req.headers['content-encoding'], config.maxBodyBytes, 'records');
        const type = String(req.headers['content-type'] ?? '')
          .split(';')[0]
          .trim();
        ({ lines, count } = fluentBitLines(body, type, config.maxMsgpackElements));
      } catch (err) {
        return sendError(
          ctx,
          reply,
          err instanceof PipelineError ? err : permanent('MESHLOG_DECODE_FAILED', { detail: (err as Error).message }),
        );
      }
      ctx.metrics.received.inc({ component: ctx.name }, count);
      const chunk: RawChunk = {
        encoding: 'lines',
        data: lines,
        receiver: ctx.name,
        context: { format: config.format },
      };
      const outcome = await deliver(ctx, next, [chunk], { ...config, count });
      return sendOutcome(reply, outcome) ?? { accepted: count };
    });
  }

  async start(): Promise<void> {
    await listenOn(this.#app, this.#config.endpoint);
  }

  async shutdown(): Promise<void> {
    await this.#app.close();
  }
}

export const httpLinesFactory: ReceiverFactory<HttpLinesConfig> = {
  kind: 'receiver',
  type: 'http_lines',
  config: httpLinesConfig,
  create: (config, ctx, next) => new HttpLinesReceiver(config, ctx, next),
};
