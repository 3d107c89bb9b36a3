import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome, type Served } from '../helpers/serve';

/**
 * A newcomer with neither Docker nor Ollama: the Playground starts on the embedded engine
 * (not on the configured Ollama nobody answers), marks the dead backend, the first preset
 * answers, and a reply that fails offers "Switch to" a backend that answers, and "Retry".
 * Run `node scripts/build.js` first.
 */
let browser: Browser;
let served: Served;

beforeAll(async () => {
  browser = await launchBrowser();
  const home = tempHome('slm-deck-pick-e2e-');
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ version: 1, dockerEndpoint: path.join(home, 'no-docker.sock'), ollamaUrl: 'http://127.0.0.1:9' }),
  );
  served = await startServe({ home });
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('the Playground starts on a backend that answers', () => {
  it('picks the embedded engine over a dead Ollama, the first preset answers, and a failed reply offers a switch', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/playground`);
    const backend = page.getByLabel('Backend', { exact: true });
    await expect.poll(() => backend.locator('option:checked').textContent(), { timeout: 30_000 }).toBe('Embedded · Demo model (tiny, offline)');
    await expect.poll(() => backend.locator('option[value="ollama"]').textContent(), { timeout: 15_000 }).toBe('Ollama (127.0.0.1:9) — not answering');

    await page.getByRole('group', { name: 'Presets' }).getByRole('button').first().click();
    const reply = page.getByTestId('transcript').getByTestId('message-assistant').last();
    await expect.poll(() => reply.locator('.md').textContent(), { timeout: 30_000 }).toBe(TINY_ANSWER);
    await expect.poll(() => reply.getByTestId('stats').textContent()).toMatch(/tokens/);

    // The dead one, chosen by hand: the reply fails, and the way forward is offered.
    await backend.selectOption('ollama');
    await expect.poll(() => page.getByTestId('backend-down').textContent(), { timeout: 15_000 }).toMatch(/^Not answering: /);
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Are you there?');
    await composer.press('Enter');
    const offer = page.getByTestId('switch-offer');
    await offer.getByRole('button', { name: 'Retry' }).waitFor({ timeout: 20_000 });
    await offer.getByRole('button', { name: 'Switch to Embedded · Demo model (tiny, offline)' }).click();
    await expect.poll(() => backend.locator('option:checked').textContent()).toBe('Embedded · Demo model (tiny, offline)');
    await expect.poll(() => page.getByTestId('transcript').getByTestId('message-assistant').last().locator('.md').textContent(), { timeout: 30_000 }).toBe(TINY_ANSWER);
    await expect.poll(() => offer.count()).toBe(0);
    await page.close();
  });
});
