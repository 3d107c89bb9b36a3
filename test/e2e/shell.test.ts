import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome, type Served } from '../helpers/serve';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const PAGES = ['Overview', 'Deploy', 'Models', 'Playground', 'Monitor', 'Benchmark', 'Settings'];

describe('app shell in a browser (slm-deck serve)', () => {
  let served: Served | undefined;
  afterAll(async () => {
    await served?.stop();
  });

  it('navigates every page, keeps a changed setting across a server restart', async () => {
    const home = tempHome();
    served = await startServe({ home });
    const page = await browser.newPage();
    await page.goto(served.openUrl);
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Connected');
    // The token is dropped from the address bar once read.
    expect(page.url()).not.toContain('token=');

    for (const name of PAGES) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).first().textContent()).toContain(name);
      expect(page.url()).toContain(`#/${name.toLowerCase()}`);
    }

    await page.getByLabel('Registry mirror').fill('localhost:5000');
    // The theme applies as soon as it is picked, without Save.
    await page.getByLabel('Theme').selectOption('dark');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved').waitFor();
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');

    // Restart the server on the same port: the page reconnects by itself and shows the kept value.
    const port = new URL(served.url).port;
    const token = new URL(served.openUrl).searchParams.get('token')!;
    await served.stop();
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Reconnecting');
    served = await startServe({ home, port: Number(port), env: { SLM_DECK_TOKEN: token } });
    await expect.poll(() => page.getByTestId('connection-state').textContent(), { timeout: 15_000 }).toContain('Connected');
    await page.reload();
    await expect.poll(() => page.getByLabel('Registry mirror').inputValue()).toBe('localhost:5000');
    await page.close();
  });

  it('every page opens at its top, whatever the last page was scrolled to', async () => {
    served ??= await startServe();
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    await page.goto(`${served.openUrl}#/overview`);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const main = page.getByRole('main');
    // The Overview is taller than the window: scroll to its end, as a reader would.
    await page.getByRole('table').last().waitFor();
    await main.evaluate((m) => m.scrollTo(0, m.scrollHeight));
    await expect.poll(() => main.evaluate((m) => m.scrollTop)).toBeGreaterThan(200);
    for (const name of ['Models', 'Benchmark', 'Deploy']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
      const heading = page.getByRole('heading', { level: 1, name });
      await heading.waitFor();
      await expect.poll(() => main.evaluate((m) => m.scrollTop)).toBe(0);
      // The page's title is in view, not scrolled away above.
      const box = (await heading.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(700);
      await main.evaluate((m) => m.scrollTo(0, m.scrollHeight));
    }
    await page.close();
  });

  it('shows an invalid value inline and keeps the old one', async () => {
    served ??= await startServe();
    const page = await browser.newPage();
    await page.goto(`${served.openUrl}#/settings`);
    await page.getByLabel('Bind address for published ports').fill('my laptop');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('an IP address such as 127.0.0.1').waitFor();
    expect(await page.getByLabel('Bind address for published ports').getAttribute('aria-invalid')).toBe('true');
    await page.close();
  });

  it('without the token the page explains how to get in', async () => {
    const s = await startServe();
    try {
      const page = await browser.newPage();
      await page.goto(s.url);
      await page.getByRole('heading', { name: 'This page needs its access token' }).waitFor();
      await page.goto(`${s.url}/?token=wrong`);
      await page.getByRole('heading', { name: 'This page needs its access token' }).waitFor();
      await page.close();
    } finally {
      await s.stop();
    }
  });

  it('serves the page with a strict Content-Security-Policy', async () => {
    served ??= await startServe();
    const res = await fetch(served.url + '/');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });
});
