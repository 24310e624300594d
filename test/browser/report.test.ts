import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourPixels, launch, openPage, SCREENSHOTS } from './browser.ts';
import { failingCanary } from './scenarios.ts';

const BIN = fileURLToPath(new URL('../../pipeline/cli/bin.mjs', import.meta.url));
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('meshlog analyze --html', () => {
  it('writes one file that shows the failing canary offline, with both curves, and fetches nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlog-report-'));
    const log = join(dir, 'access.log');
    const out = join(dir, 'report.html');
    writeFileSync(log, failingCanary(Date.parse('2026-01-10T12:00:00Z')).join('\n') + '\n');
    const run = spawnSync(
      process.execPath,
      [BIN, 'analyze', '--logs', log, '--namespace', 'shop', '--service', 'cart'].concat([
        '--canary',
        'v2',
        '--baseline',
        'v1',
        '--window',
        '1m',
        '--html',
        out,
      ]),
      { encoding: 'utf8' },
    );
    expect(run.stderr).toContain(`canary report written to ${out}`);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'fail', service: 'cart' });
    expect(readFileSync(out, 'utf8')).not.toMatch(/<script[^>]+src=/);

    const { page, errors } = await openPage(browser);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out).href);
    await page.waitForSelector('.latency-chart canvas');
    expect(await page.textContent('.verdict .word')).toBe('FAIL');
    expect(await page.textContent('.verdict .what')).toContain('cart.shop: v2 vs v1 over 1m');
    expect(await page.textContent('.status')).toMatch(/^report generated /);
    expect(await page.locator('form.chooser').count()).toBe(0);
    const latency = await colourPixels(page, '.latency-chart', { canary: '#e8590c', baseline: '#1971c2' });
    expect(latency.canary).toBeGreaterThan(200);
    expect(latency.baseline).toBeGreaterThan(200);
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    expect(requests).toEqual([pathToFileURL(out).href]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
