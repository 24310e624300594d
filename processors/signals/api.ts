import type { FastifyInstance, FastifyReply } from 'fastify';
import { stringify } from 'yaml';
import type { SignalsEngine } from './engine.ts';
import { canaryLink, requestBase } from './ui/link.ts';
import { registerSignalsUi } from './ui/register.ts';

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
export function registerSignalsApi(app: FastifyInstance, hub: SignalsEngine): void {
  registerSignalsUi(app, hub);
  app.get<{ Querystring: CanaryParams }>('/v1/canary', async (req, reply) => {
    const q = req.query ?? {};
    const missing = (['service', 'canary', 'baseline'] as const).filter((k) => !q[k]);
    if (missing.length) return badQuery(reply, missing[0], `missing query parameter(s): ${missing.join(', ')}`);
    const end = q.end ? Date.parse(q.end) : undefined;
    if (q.end && !Number.isFinite(end)) return badQuery(reply, 'end', `end is not an ISO time: ${q.end}`);
    const windowProblem = checkWindow(hub, q.window);
    if (windowProblem) return badQuery(reply, 'window', windowProblem);
    const answer = hub.canary({
      namespace: q.namespace,
      service: q.service!,
      canary: q.canary!,
      baseline: q.baseline!,
      window: q.window,
      end,
    });
    return { ...answer, link: canaryLink(requestBase(req), answer) };
  });

  app.post<{ Body: FlaggerPayload }>('/v1/flagger/gate', async (req, reply) => {
    const body = (req.body ?? {}) as FlaggerPayload;
    if (typeof body !== 'object' || !body.name) return badQuery(reply, 'name', 'the Flagger payload has no name');
    const m = body.metadata ?? {};
    const windowProblem = checkWindow(hub, m.window);
    if (windowProblem) return badQuery(reply, 'metadata.window', windowProblem);
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
    const sinceText = req.query?.since;
    const since = sinceText ? Date.parse(sinceText) : -Infinity;
    if (sinceText && !Number.isFinite(since)) return badQuery(reply, 'since', `since is not an ISO time: ${sinceText}`);
    return { events: hub.breakers.events(since) };
  });

  app.get('/v1/recommendations', async (req, reply) => {
    const recs = hub.recommendations();
    if (String(req.headers.accept ?? '').includes('application/json')) return { recommendations: recs };
    return reply.type('application/yaml').send(toYaml(recs));
  });
}

/** A 400 that names the parameter at fault. */
function badQuery(reply: FastifyReply, parameter: string, message: string): FastifyReply {
  return reply.code(400).send({ error: 'MESHLOG_BAD_QUERY', parameter, message });
}

/** Why `window` cannot be used, or undefined when it is absent or one of the configured windows. */
function checkWindow(hub: SignalsEngine, window: unknown): string | undefined {
  if (window === undefined) return undefined;
  const offered = hub.config.windows.windows;
  if (typeof window === 'string' && offered.includes(window)) return undefined;
  return `window must be one of ${offered.join(', ')}, got ${JSON.stringify(window)}`;
}

/** Multi-document YAML of the resources, each preceded by why it is recommended. */
export function toYaml(recs: ReturnType<SignalsEngine['recommendations']>): string {
  if (recs.length === 0) return '# meshlog has nothing to recommend yet\n';
  return recs.map((r) => `# ${r.reason}\n${stringify(r.resource)}`).join('---\n');
}
