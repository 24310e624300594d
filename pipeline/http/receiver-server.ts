import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { createBatch } from '../batch.ts';
import type { ComponentContext, Intake } from '../component.ts';
import { PipelineError } from '../errors.ts';
import { parseEndpoint } from '../net.ts';
import { httpStatusFor } from './body.ts';

/**
 * The HTTP plumbing every HTTP receiver shares: raw-buffer bodies (each route decodes its own),
 * a body cap, error answers with a reason, and the lifecycle. A receiver adds its routes.
 */
export function createReceiverServer(ctx: ComponentContext, maxBodyBytes: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      ctx.metrics.reject(ctx.name, 'MESHLOG_PAYLOAD_TOO_LARGE');
      return reply
        .code(413)
        .send({ error: 'MESHLOG_PAYLOAD_TOO_LARGE', message: `body exceeds ${maxBodyBytes} bytes` });
    }
    return sendError(ctx, reply, err);
  });
  return app;
}

/** Answers an error with the status its kind maps to, counting it under its code. */
export function sendError(ctx: ComponentContext, reply: FastifyReply, err: unknown): FastifyReply {
  const status =
    err instanceof PipelineError ? httpStatusFor(err) : ((err as { statusCode?: number }).statusCode ?? 500);
  const code = err instanceof PipelineError ? err.code : 'MESHLOG_INTERNAL';
  ctx.metrics.reject(ctx.name, code);
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  return reply.code(status).send({ error: code, message: (err as Error).message });
}

/**
 * Hands one batch to the pipeline, waiting up to `timeoutMs` for room. Returns false when the
 * pipeline is full, after answering 503 with Retry-After; the sender keeps its data and retries.
 */
export async function offerOrPushBack<T>(
  ctx: ComponentContext,
  next: Intake<T>,
  records: T[],
  timeoutMs: number,
  reply: FastifyReply,
): Promise<boolean> {
  const ok = await next.offer(createBatch(records), timeoutMs);
  if (!ok) {
    ctx.metrics.reject(ctx.name, 'MESHLOG_QUEUE_FULL', records.length);
    reply
      .header('retry-after', '1')
      .code(503)
      .send({ error: 'MESHLOG_QUEUE_FULL', message: 'pipeline is full, retry later' });
  }
  return ok;
}

export async function listenOn(app: FastifyInstance, endpoint: string): Promise<void> {
  const { host, port } = parseEndpoint(endpoint);
  await app.listen({ host, port });
}
