import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package; playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

export async function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A page that records every uncaught exception and console error, so a test can fail on any. */
export async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return { page, errors };
}

/**
 * Pixels of each colour on the canvases inside `selector`: how a test sees that a curve was drawn.
 * Anti-aliased edges blend into the background, so a pixel counts when it is within `tolerance`.
 */
export async function colourPixels(page: Page, selector: string, colours: Record<string, string>, tolerance = 40) {
  return page.$eval(
    selector,
    (root, [colours, tolerance]) => {
      const want = Object.entries(colours as Record<string, string>).map(([name, hex]) => ({
        name,
        rgb: [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)),
      }));
      const counts: Record<string, number> = Object.fromEntries(want.map((w) => [w.name, 0]));
      for (const canvas of root.querySelectorAll('canvas')) {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4)
          for (const w of want)
            if (
              Math.abs(data[i] - w.rgb[0]) + Math.abs(data[i + 1] - w.rgb[1]) + Math.abs(data[i + 2] - w.rgb[2]) <=
                (tolerance as number) &&
              data[i + 3] > 200
            )
              counts[w.name]++;
      }
      return counts;
    },
    [colours, tolerance] as const,
  );
}
