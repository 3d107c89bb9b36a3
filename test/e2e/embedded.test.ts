import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome, type Served } from '../helpers/serve';

/**
 * The first-run path on a machine without Docker: `slm-deck serve` in Chromium, Deploy →
 * "Embedded (no Docker)" with the demo model → started → Playground → the known answer;
 * then Stop, and quitting the app stops the engine. Run `node scripts/build.js` first.
 */
let browser: Browser;
let served: Served;

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function engineUrl(page: Page): Promise<string> {
  const text = await page.getByTestId('embedded-url').textContent();
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(text ?? '')?.[0];
  expect(url).toBeDefined();
  return url!;
}

beforeAll(async () => {
  browser = await launchBrowser();
  const home = tempHome('slm-deck-embedded-e2e-');
  // No Docker on this "machine": the endpoint points at a socket that does not exist.
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, dockerEndpoint: path.join(home, 'no-docker.sock') }));
  // Started by hand here; the default start is checked in its own test below.
  served = await startServe({ home, args: ['--no-embedded'] });
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('Embedded (no Docker) on the Deploy page', () => {
  it('starts the demo model, chats with it in the Playground, stops it, and quitting stops it too', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/deploy`);
    const card = page.getByTestId('embedded-card');
    await card.getByRole('heading', { name: 'Embedded (no Docker)' }).waitFor();
    await expect.poll(() => page.getByTestId('docker-state').textContent(), { timeout: 15_000 }).not.toBe('Docker running');
    await expect.poll(() => card.getByTestId('embedded-state').textContent()).toBe('Stopped');

    const select = card.getByLabel('Embedded model');
    await expect.poll(() => select.locator('option:checked').textContent()).toBe('Demo model (tiny, offline) — a toy, always the same answer');
    expect(await card.getByTestId('demo-note').textContent()).toContain('is a toy');

    await card.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => card.getByTestId('embedded-state').textContent(), { timeout: 30_000 }).toBe('Running');
    const url = await engineUrl(page);
    expect(await answers(url)).toBe(true);

    await card.getByRole('button', { name: 'Open in Playground' }).click();
    await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Backend', { exact: true }).locator('option:checked').textContent()).toBe('Embedded · Demo model (tiny, offline)');
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Hello! Who are you?');
    await composer.press('Enter');
    const reply = page.getByTestId('transcript').getByTestId('message-assistant').last();
    await expect.poll(() => reply.getByRole('group', { name: 'Answer' }).textContent(), { timeout: 20_000 }).toBe(TINY_ANSWER);
    await expect.poll(() => reply.getByTestId('stats').textContent()).toMatch(/→ 13 tokens.*Embedded · Demo model \(tiny, offline\)/);

    await page.goto(`${served.openUrl}#/deploy`);
    await expect.poll(() => card.getByTestId('embedded-state').textContent()).toBe('Running');
    await card.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => card.getByTestId('embedded-state').textContent()).toBe('Stopped');
    expect(await answers(url)).toBe(false);

    await card.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => card.getByTestId('embedded-state').textContent(), { timeout: 30_000 }).toBe('Running');
    const again = await engineUrl(page);
    await page.close();
    await served.stop();
    expect(await answers(again)).toBe(false);
  });

  it('starts by itself, with the demo model, where neither Docker nor Ollama is present', async () => {
    const home = tempHome('slm-deck-embedded-default-');
    writeFileSync(
      path.join(home, 'settings.json'),
      JSON.stringify({ version: 1, dockerEndpoint: path.join(home, 'no-docker.sock'), ollamaUrl: 'http://127.0.0.1:9' }),
    );
    const own = await startServe({ home });
    try {
      const page = await browser.newPage();
      await page.goto(`${own.openUrl}#/deploy`);
      const card = page.getByTestId('embedded-card');
      await expect.poll(() => card.getByTestId('embedded-state').textContent(), { timeout: 30_000 }).toBe('Running');
      expect(await answers(await engineUrl(page))).toBe(true);
      await page.close();
    } finally {
      await own.stop();
    }
  });
});
