import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Server } from 'node:http';
import { outcomeOf, type Outcome } from '../batch.ts';
import type { ComponentContext } from '../component.ts';
import { httpAnswer } from '../delivery/answer.ts';
import { PipelineError } from '../errors.ts';
import { parseEndpoint } from '../net.ts';
import { readTls, type TlsConfig } from '../tls.ts';

export interface HttpListenerOptions {
  maxBodyBytes: number;
  tls?: TlsConfig;
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * The HTTP plumbing every HTTP receiver shares: raw-buffer bodies (each route decodes its own),
 * a body cap, optional TLS, timeouts that close silent or half-sent connections, error answers
 * with a reason, and the lifecycle. A receiver adds its routes.
 */
export function createReceiverServer(ctx: ComponentContext, opts: HttpListenerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.maxBodyBytes,
    ...(opts.tls ? { https: readTls(opts.tls) } : {}),
    // Socket inactivity (a client that connects and sends nothing, or stops mid-body) and idle keep-alive.
    connectionTimeout: opts.idleTimeoutMs,
    keepAliveTimeout: opts.idleTimeoutMs,
    // The whole request must arrive within requestTimeoutMs. Node checks these every
    // connectionsCheckingInterval (30 s by default), so it is tightened to a fraction of them.
    requestTimeout: opts.requestTimeoutMs,
    http: {
      headersTimeout: opts.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(opts.headersTimeoutMs, opts.requestTimeoutMs) / 4),
    },
    // An https server has the same API; fastify's types only tell them apart by the option.
  } as unknown as FastifyHttpOptions<Server>);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      ctx.metrics.reject(ctx.name, 'MESHLOG_PAYLOAD_TOO_LARGE');
      return reply
        .code(413)
        .send({ error: 'MESHLOG_PAYLOAD_TOO_LARGE', message: `body exceeds ${opts.maxBodyBytes} bytes` });
    }
    return sendError(ctx, reply, err);
  });
  return app;
}

/**
 * Answers an error with the shared outcome mapping (a PipelineError keeps its kind and code),
 * counting it under its code. Anything else is a bug: 500 with the message, logged.
 */
export function sendError(ctx: ComponentContext, reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof PipelineError) {
    ctx.metrics.reject(ctx.name, err.code);
    return sendOutcome(reply, outcomeOf(err))!;
  }
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  const code = status >= 500 ? 'MESHLOG_INTERNAL' : 'MESHLOG_DECODE_FAILED';
  ctx.metrics.reject(ctx.name, code);
  if (status >= 500) ctx.logger.error({ err, url: reply.request.url }, 'answered 500');
  return reply.code(status).send({ error: code, message: (err as Error).message });
}

/**
 * Answers a settled batch: `undefined` when delivered (the route sends its own 2xx), otherwise
 * the reply, sent with the status, Retry-After and reason of the shared outcome mapping.
 */
export function sendOutcome(reply: FastifyReply, outcome: Outcome): FastifyReply | undefined {
  const answer = httpAnswer(outcome);
  if (!answer) return undefined;
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

export async function listenOn(app: FastifyInstance, endpoint: string): Promise<void> {
  const { host, port } = parseEndpoint(endpoint);
  await app.listen({ host, port });
}
