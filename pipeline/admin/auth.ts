import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An onRequest hook that answers 401 unless `Authorization: Bearer <token>` matches. Paths in
 * `open` (the probes) pass without it. Both sides are hashed first, so the comparison takes the
 * same time whatever the length or the content of the guess.
 */
export function bearerTokenHook(token: string, open: string[]) {
  const want = digest(token);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    if (open.includes(path)) return;
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (given && timingSafeEqual(digest(given), want)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: 'MESHLOG_UNAUTHORIZED', message: 'missing or wrong bearer token' });
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
