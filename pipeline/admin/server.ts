import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Metrics } from '../telemetry/metrics.ts';
import { parseEndpoint } from '../net.ts';
import { readTls, type TlsConfig } from '../tls.ts';
import { bearerTokenHook } from './auth.ts';

/** What the admin server takes from `service.admin` besides its endpoint. */
export interface AdminSecurity {
  tls?: TlsConfig;
  authTokenFile?: string;
}

/**
 * The admin HTTP server (default 127.0.0.1:8686): liveness, readiness and Prometheus metrics.
 * Components add their routes (the signals API) through `Component.mountAdmin`. With `tls` it
 * serves HTTPS; with `authTokenFile` every route but /healthz and /readyz (which kubelet probes
 * call) needs the token. Liveness fails when no pipeline can run (a reload and its rollback both
 * failed), so a probe restarts the process; readiness says whether the pipeline is serving now.
 */
export function createAdminServer(
  metrics: Metrics,
  state: { isReady: () => boolean; isHealthy: () => boolean },
  security: AdminSecurity = {},
): FastifyInstance {
  const { isReady } = state;
  const app = Fastify({
    logger: false,
    ...(security.tls ? { https: readTls(security.tls) } : {}),
    // An https server has the same API; fastify's types only tell them apart by the option.
  } as unknown as FastifyHttpOptions<Server>);
  if (security.authTokenFile) {
    app.addHook('onRequest', bearerTokenHook(readToken(security.authTokenFile), ['/healthz', '/readyz']));
  }
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

function readToken(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`service.admin.authTokenFile: cannot read "${path}": ${(err as Error).message}`, { cause: err });
  }
  if (!token) throw new Error(`service.admin.authTokenFile: "${path}" is empty`);
  return token;
}

export async function listen(app: FastifyInstance, endpoint: string): Promise<void> {
  const { host, port } = parseEndpoint(endpoint);
  await app.listen({ host, port });
}
