import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import type { SignalsHub } from './hub.ts';
import { canaryLink, requestBase } from '../../processors/signals/ui/link.ts';
import { registerSignalsUi } from '../../processors/signals/ui/register.ts';

interface CanaryParams {
  namespace?: string;
  service?: string;
  canary?: string;
  baseline?: string;
  window?: string;
  end?: string;
}

interface FlaggerPayload {
  name?: string;
  namespace?: string;
  phase?: string;
  metadata?: Record<string, string>;
}

/**
 * The signals API on the admin server:
 * - `GET /v1/canary?namespace=&service=&canary=&baseline=&window=` → `{verdict, score, window, metrics}`
 *   (Argo Rollouts' `web` provider reads `$.verdict`);
 * - `POST /v1/flagger/gate` (Flagger webhook): 200 on pass, `failStatus`/`inconclusiveStatus` with
 *   the evidence otherwise; canary and baseline default to Flagger's `<name>-canary` / `<name>-primary`;
 * - `GET /v1/breakers`, `GET /v1/breakers/events?since=ISO`, `GET /v1/recommendations` (YAML, or
 *   JSON when asked for with `Accept: application/json`).
 */
export function registerSignalsApi(app: FastifyInstance, hub: SignalsHub): void {
  registerSignalsUi(app, hub);
  app.get<{ Querystring: CanaryParams }>('/v1/canary', async (req, reply) => {
    const q = req.query;
    const missing = (['service', 'canary', 'baseline'] as const).filter((k) => !q[k]);
    if (missing.length)
      return reply
        .code(400)
        .send({ error: 'MESHLOG_BAD_QUERY', message: `missing query parameter(s): ${missing.join(', ')}` });
    const end = q.end ? Date.parse(q.end) : undefined;
    if (q.end && !Number.isFinite(end))
      return reply.code(400).send({ error: 'MESHLOG_BAD_QUERY', message: `end is not an ISO time: ${q.end}` });
    try {
      const answer = hub.canary({
        namespace: q.namespace,
        service: q.service!,
        canary: q.canary!,
        baseline: q.baseline!,
        window: q.window,
        end,
      });
      return { ...answer, link: canaryLink(requestBase(req), answer) };
    } catch (err) {
      return reply.code(400).send({ error: 'MESHLOG_BAD_QUERY', message: (err as Error).message });
    }
  });

  app.post<{ Body: FlaggerPayload }>('/v1/flagger/gate', async (req, reply) => {
    const body = (req.body ?? {}) as FlaggerPayload;
    if (!body.name)
      return reply.code(400).send({ error: 'MESHLOG_BAD_QUERY', message: 'the Flagger payload has no name' });
    const m = body.metadata ?? {};
    const answer = hub.canary({
      namespace: m.namespace ?? body.namespace,
      service: m.service ?? body.name,
      canary: m.canary ?? `${body.name}-canary`,
      baseline: m.baseline ?? `${body.name}-primary`,
      window: m.window,
    });
    const { failStatus, inconclusiveStatus } = hub.config.flagger;
    const status = answer.verdict === 'pass' ? 200 : answer.verdict === 'fail' ? failStatus : inconclusiveStatus;
    return reply
      .code(status)
      .send({ phase: body.phase ?? null, ...answer, link: canaryLink(requestBase(req), answer) });
  });

  app.get('/v1/breakers', async () => ({ policy: hub.breakers.policy.name, breakers: hub.breakers.states() }));

  app.get<{ Querystring: { since?: string } }>('/v1/breakers/events', async (req, reply) => {
    const since = req.query.since ? Date.parse(req.query.since) : -Infinity;
    if (req.query.since && !Number.isFinite(since))
      return reply
        .code(400)
        .send({ error: 'MESHLOG_BAD_QUERY', message: `since is not an ISO time: ${req.query.since}` });
    return { events: hub.breakers.events(since) };
  });

  app.get('/v1/recommendations', async (req, reply) => {
    const recs = hub.recommendations();
    if (String(req.headers.accept ?? '').includes('application/json')) return { recommendations: recs };
    return reply.type('application/yaml').send(toYaml(recs));
  });
}

/** Multi-document YAML of the resources, each preceded by why it is recommended. */
export function toYaml(recs: ReturnType<SignalsHub['recommendations']>): string {
  if (recs.length === 0) return '# meshlog has nothing to recommend yet\n';
  return recs.map((r) => `# ${r.reason}\n${stringify(r.resource)}`).join('---\n');
}
