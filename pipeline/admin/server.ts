import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../telemetry/metrics.ts';
import { parseEndpoint } from '../net.ts';

/**
 * The admin HTTP server (default 127.0.0.1:8686): liveness, readiness and Prometheus metrics.
 * Components add their routes (the signals API) through `Component.mountAdmin`.
 * Liveness fails when no pipeline can run (a reload and its rollback both failed), so a probe
 * restarts the process; readiness says whether the pipeline is serving now.
 */
export function createAdminServer(
  metrics: Metrics,
  state: { isReady: () => boolean; isHealthy: () => boolean },
): FastifyInstance {
  const { isReady } = state;
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_req, reply) => {
    if (state.isHealthy()) return { status: 'ok' };
    return reply.code(503).send({ status: 'failed', message: 'no pipeline is running; see the log' });
  });
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
