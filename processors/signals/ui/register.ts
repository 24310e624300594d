import type { FastifyInstance } from 'fastify';
import type { SignalsEngine } from '../engine.ts';
import { pageAssets } from './assets.ts';
import { pageHtml } from './shell.ts';
import { registerWindowsEndpoint } from './windows-endpoint.ts';

/**
 * The web page on the admin server: `/` (routes, canary, breakers, recommendations; the view is
 * in the URL's hash, e.g. `/#/canary?service=…`), its files under `/ui/`, and the JSON it needs
 * beyond the signals API (`/v1/windows`). Everything is read into memory here, once: no build step
 * and no file access per request.
 */
export function registerSignalsUi(app: FastifyInstance, hub: SignalsEngine): void {
  const assets = pageAssets();
  const index = pageHtml(assets, { inline: false });
  app.get('/', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index),
  );
  for (const a of assets) {
    app.get(a.path, async (_req, reply) =>
      reply
        .type(`${a.type}; charset=utf-8`)
        .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .send(a.body),
    );
  }
  registerWindowsEndpoint(app, hub);
}
