import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));

/** uPlot's version, pinned exactly in package.json; it names the served files, so browsers may cache them for good. */
export const UPLOT_VERSION = (JSON.parse(readFileSync(join(UPLOT_DIR, 'package.json'), 'utf8')) as { version: string })
  .version;

/** The page's own scripts, in the order they must run (each adds to `globalThis.meshlog`; app.js starts the page). */
export const PAGE_SCRIPTS = [
  'format.js',
  'charts.js',
  'routes.js',
  'canary.js',
  'breakers.js',
  'recommendations.js',
  'app.js',
] as const;

export interface Asset {
  /** URL path on the admin server. */
  path: string;
  type: 'text/css' | 'text/javascript';
  body: string;
  /** Versioned file: cache it forever. Otherwise revalidate, so an upgraded meshlog serves its new page. */
  immutable: boolean;
}

const css = (path: string, file: string, immutable = false): Asset => ({
  path,
  type: 'text/css',
  body: readFileSync(file, 'utf8'),
  immutable,
});
const js = (path: string, file: string, immutable = false): Asset => ({
  path,
  type: 'text/javascript',
  body: readFileSync(file, 'utf8'),
  immutable,
});

/**
 * Every file the page loads, read once from this folder and from node_modules/uplot (the IIFE
 * build, which sets `globalThis.uPlot`: classic scripts run the same from the admin server and
 * inline in a report file opened from disk, where module imports would need a server).
 * Stylesheets first, then scripts in run order.
 */
export function pageAssets(): Asset[] {
  return [
    css(`/ui/vendor/uplot-${UPLOT_VERSION}.min.css`, join(UPLOT_DIR, 'dist', 'uPlot.min.css'), true),
    css('/ui/style.css', join(PAGE_DIR, 'style.css')),
    js(`/ui/vendor/uplot-${UPLOT_VERSION}.iife.min.js`, join(UPLOT_DIR, 'dist', 'uPlot.iife.min.js'), true),
    ...PAGE_SCRIPTS.map((f) => js(`/ui/${f}`, join(PAGE_DIR, f))),
  ];
}
