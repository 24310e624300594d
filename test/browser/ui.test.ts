import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMeshlog, type MeshlogProcess } from '../support/meshlog-process.ts';
import { colourPixels, launch, openPage, SCREENSHOTS } from './browser.ts';
import { failingCanary, manyRoutes, trippingBreaker } from './scenarios.ts';

const ADMIN_PORT = 46686;
const LINES = 'http://127.0.0.1:46090/v1/lines';
const ROUTES = 100 * 50 + 3; // svc-N/rM, cart v1 and v2, payments
const COLOURS = { canary: '#e8590c', baseline: '#1971c2' };

let meshlog: MeshlogProcess;
let browser: Browser;
let page: Page;
let errors: string[];

/** Posts lines in chunks; a full pipeline answers 503 and the sender retries, as any shipper does. */
async function send(lines: string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 2000) {
    const body = lines.slice(i, i + 2000).join('\n');
    let status = 0;
    for (let attempt = 0; attempt < 300; attempt++) {
      status = (await fetch(LINES, { method: 'POST', body })).status;
      if (status !== 503 && status !== 429) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  }
}

async function json<T>(path: string): Promise<T> {
  return (await fetch(`${meshlog.adminUrl}${path}`)).json() as Promise<T>;
}

beforeAll(async () => {
  meshlog = await startMeshlog(
    `
receivers:
  http_lines: { endpoint: 127.0.0.1:46090 }
processors:
  parse: {}
  signals: { windows: { maxRoutes: 6000 } }
exporters:
  blackhole: {}
service:
  memoryLimitMiB: 1536 # it holds 5,000 routes of windows, more than an agent pod is sized for
  pipelines:
    signals: { receivers: [http_lines], processors: [parse, signals], exporters: [blackhole] }`,
    ADMIN_PORT,
  );
  const start = Date.now() - 40_000;
  await send(manyRoutes(start, 100, 50));
  await send(trippingBreaker(start));
  await send(failingCanary(start + 10_000));
  for (let i = 0; i < 100; i++) {
    const w = await json<{ routes: number }>('/v1/windows?limit=1');
    const ev = await json<{ events: unknown[] }>('/v1/breakers/events');
    if (w.routes === ROUTES && ev.events.length === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  expect(await meshlog?.stop()).toBe(0);
});

afterEach(async () => {
  const seen = [...errors];
  await page.close();
  expect(seen, 'JavaScript errors on the page').toEqual([]);
});

/** A fresh page per view, so one view's errors cannot hide behind another's. */
async function open(hash: string, ready: string): Promise<void> {
  ({ page, errors } = await openPage(browser));
  await page.goto(`${meshlog.adminUrl}/${hash}`);
  await page.waitForSelector(ready);
}

describe('the web page on the admin server, in Chromium', () => {
  it('routes: counts every route, shows one page of 100 rows, sorts by p99 and refreshes live', async () => {
    await open('#/routes', 'table.routes tbody tr td.num');
    await expect.poll(() => page.textContent('.count')).toBe(`${ROUTES.toLocaleString('en-US')} routes`);
    expect(await page.locator('table.routes tbody tr').count()).toBe(100);
    expect(await page.textContent('.pager .range')).toBe(`1–100 of ${ROUTES.toLocaleString('en-US')}`);
    // every row has its trend
    expect(await page.locator('table.routes tbody tr svg.spark polyline.spark-rps').count()).toBe(100);

    await page.click('th[data-key="p99"]');
    expect(await page.getAttribute('th[data-key="p99"]', 'aria-sort')).toBe('descending');
    await expect.poll(() => page.getAttribute('table.routes', 'data-sorted')).toBe('p99 desc');
    const p99 = async () => page.$$eval('table.routes tbody tr', (rows) => rows.map((r) => r.children[10].textContent));
    const ms = (await p99()).map((t) => (t!.endsWith(' s') ? parseFloat(t!) * 1000 : parseFloat(t!)));
    expect(ms.every((x, i) => i === 0 || x <= ms[i - 1])).toBe(true);
    expect(ms[0]).toBeGreaterThan(ms.at(-1)!);

    await page.click('.pager button:has-text("next")');
    await expect.poll(() => page.textContent('.pager .range')).toBe(`101–200 of ${ROUTES.toLocaleString('en-US')}`);
    expect(page.url()).toContain('page=1');

    await page.fill('input.filter', 'payments');
    await expect.poll(() => page.locator('table.routes tbody tr').count()).toBe(1);
    expect(await page.textContent('table.routes tbody tr td.key')).toContain('/charge');
    await page.fill('input.filter', '');
    await expect.poll(() => page.locator('table.routes tbody tr').count()).toBe(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'routes.png'), fullPage: false });

    // a new route appears without a reload
    await send(failingCanary(Date.now() - 20_000).map((l) => l.replaceAll('GET /items', 'GET /basket')));
    await expect
      .poll(() => page.textContent('.count'), { timeout: 10_000 })
      .toBe(`${(ROUTES + 2).toLocaleString('en-US')} routes`);
  });

  it('canary: a link from a verdict shows FAIL, the evidence against the thresholds and both curves', async () => {
    const verdict = await json<{ verdict: string; link: string }>(
      '/v1/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=1m',
    );
    expect(verdict.verdict).toBe('fail');
    expect(verdict.link).toBe(
      `${meshlog.adminUrl}/#/canary?namespace=shop&service=cart&canary=v2&baseline=v1&window=1m`,
    );
    await open(verdict.link.slice(meshlog.adminUrl.length + 1), '.verdict');
    expect(await page.textContent('.verdict .word')).toBe('FAIL');
    expect(await page.textContent('.verdict .score')).toBe('score 0/100 (passes at 75)');
    expect(await page.textContent('.cause')).toMatch(/error rate: canary error rate \d+(\.\d+)?% > baseline/);
    const errorCard = page.locator('section.metric[data-metric="error_rate"]');
    expect(await errorCard.locator('.badge').textContent()).toBe('fail');
    expect(await errorCard.textContent()).toContain('significant below α = 0.05');
    expect(await errorCard.textContent()).toContain('fails at ≥ +1.00%');
    const latencyCard = page.locator('section.metric[data-metric="latency"]');
    expect(await latencyCard.locator('.badge').textContent()).toBe('fail');
    expect(await latencyCard.textContent()).toContain('fails at ≥ 1.1×');
    // the chooser arrived on the linked canary
    expect(await page.inputValue('select[name="service"]')).toBe('cart');
    expect(await page.inputValue('select[name="canary"]')).toBe('v2');
    expect(await page.inputValue('select[name="baseline"]')).toBe('v1');

    await page.waitForSelector('.latency-chart canvas');
    await page.waitForSelector('.error-chart canvas');
    const latency = await colourPixels(page, '.latency-chart', COLOURS);
    expect(latency.canary).toBeGreaterThan(200);
    expect(latency.baseline).toBeGreaterThan(200);
    const errorRate = await colourPixels(page, '.error-chart', COLOURS);
    expect(errorRate.canary).toBeGreaterThan(100);
    expect(errorRate.baseline).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'canary.png'), fullPage: true });
  });

  it('canary: choosing a service and subsets by hand judges them', async () => {
    await open('#/canary', 'form.chooser select[name="service"]');
    await expect.poll(() => page.locator('select[name="service"] option').count()).toBeGreaterThan(1);
    await page.selectOption('select[name="namespace"]', 'shop');
    await page.selectOption('select[name="service"]', 'cart');
    await page.selectOption('select[name="canary"]', 'v1');
    await page.selectOption('select[name="baseline"]', 'v2');
    await page.click('form.chooser button[type="submit"]');
    await page.waitForSelector('.verdict');
    // v1 against v2 is the good side against the bad one: it passes
    expect(await page.textContent('.verdict .word')).toBe('PASS');
    expect(page.url()).toContain('#/canary?namespace=shop&service=cart&canary=v1&baseline=v2');
  });

  it('canary: a service with no traffic is inconclusive, and the page says which side is missing', async () => {
    await open('#/canary?service=ghost&canary=v2&baseline=v1&window=1m', '.verdict');
    expect(await page.textContent('.verdict .word')).toBe('INCONCLUSIVE');
    expect(await page.textContent('.warn')).toBe(
      'no traffic found for v2 (a subset of ghost, or a service of that name)',
    );
    expect(await page.locator('section.metric .badge').allTextContents()).toEqual(['nodata', 'nodata']);
  });

  it('breakers: every edge has a state, and the timeline shows open, half-open, closed in order', async () => {
    await open('#/breakers', 'table.transitions tbody tr');
    const edges = (await json<{ breakers: unknown[] }>('/v1/breakers')).breakers.length.toLocaleString('en-US');
    expect(await page.textContent('.summary')).toBe(
      `${edges} edges (hystrix policy): 0 open, 0 half-open, ${edges} closed · 3 transitions`,
    );
    // thousands of edges: 50 a page, and a filter finds the one that tripped
    expect(await page.locator('table.breakers tbody tr').count()).toBe(50);
    expect(await page.textContent('.pager .range')).toBe(`1–50 of ${edges}`);
    await page.fill('input.filter', 'payments');
    await expect.poll(() => page.locator('table.breakers tbody tr').count()).toBe(1);
    expect(await page.textContent('table.breakers tbody tr')).toContain('10.0.0.7 → payments.shop /charge');
    const transitions = await page.$$eval('table.transitions tbody tr', (rows) =>
      rows.map((r) => ({
        edge: r.children[1].textContent,
        to: r.getAttribute('data-to'),
        reason: r.children[3].textContent,
      })),
    );
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half_open', 'closed']);
    expect(transitions.every((t) => t.edge!.includes('payments.shop /charge'))).toBe(true);
    expect(transitions[0].reason).toMatch(/^100% failed over \d+ calls \(threshold 50%, volume 20\)$/);
    expect(transitions[1].reason).toContain('sleep window of 5000 ms over');
    expect(transitions[2].reason).toContain('trial succeeded');
    const lane = await page.$$eval('svg.timeline rect.seg', (rects) => rects.map((r) => r.getAttribute('class')));
    expect(lane).toEqual(['seg closed', 'seg open', 'seg half_open', 'seg closed']);
    await page.screenshot({ path: join(SCREENSHOTS, 'breakers.png'), fullPage: true });
  });

  it('recommendations: a DestinationRule for the service whose breaker opened, with what it is based on', async () => {
    await open('#/recommendations', 'section.rec');
    const rule = page.locator('section.rec[data-kind="DestinationRule"]', { hasText: 'payments.shop' });
    expect(await rule.count()).toBe(1);
    expect(await rule.locator('.based-on').textContent()).toContain('opened (peak failure rate 100%)');
    await rule.locator('summary').click();
    expect(await rule.locator('pre').textContent()).toContain('kind: DestinationRule');
    await page.screenshot({ path: join(SCREENSHOTS, 'recommendations.png'), fullPage: true });
  });
});
