import type { CanaryViewData } from './canary-view.ts';
import { pageAssets } from './assets.ts';
import { pageHtml } from './shell.ts';

/**
 * The canary view as one self-contained HTML file: the page's styles and scripts (uPlot too) and
 * the data inline, so it opens from disk, a CI artifact or a mail attachment with no server.
 */
export function canaryReportHtml(data: CanaryViewData): string {
  return pageHtml(pageAssets(), { inline: true, report: data });
}
