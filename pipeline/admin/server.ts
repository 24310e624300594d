import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';
import { parseEndpoint } from '../net.ts';

/**
 * The admin HTTP server (default 127.0.0.1:8686): liveness, readiness and Prometheus metrics.
 * The signals API registers its routes on the same instance.
 */
export function createAdminServer(metrics: Metrics, isReady: () => boolean): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'starting' });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}

export async function listen(app: FastifyInstance, endpoint: string): Promise<void> {
  const { host, port } = parseEndpoint(endpoint);
  await app.listen({ host, port });
}
