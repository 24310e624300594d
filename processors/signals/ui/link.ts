import type { FastifyRequest } from 'fastify';

/** The canary a link opens: the query of `/v1/canary`, or an answer (its window is `{duration}`). */
export interface CanaryLinkTarget {
  namespace?: string | null;
  service: string;
  canary: string;
  baseline: string;
  window?: string | { duration: string };
}

/** Scheme and host the request came in on, e.g. `http://meshlog.meshlog:8686`: what the caller can reach. */
export function requestBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/**
 * The live canary view for a verdict: `<base>/#/canary?namespace=&service=&canary=&baseline=&window=`.
 * Argo Rollouts and Flagger show it beside the measurement, so a failing step leads to its evidence.
 */
export function canaryLink(base: string, t: CanaryLinkTarget): string {
  const window = typeof t.window === 'string' ? t.window : t.window?.duration;
  const q = new URLSearchParams();
  if (t.namespace) q.set('namespace', t.namespace);
  q.set('service', t.service);
  q.set('canary', t.canary);
  q.set('baseline', t.baseline);
  if (window) q.set('window', window);
  return `${base.replace(/\/+$/, '')}/#/canary?${q}`;
}
