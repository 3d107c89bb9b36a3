import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome, type Served } from '../helpers/serve';
import { cleanup, DOCKER_HOST, ensureServices, freePort, REGISTRY, uniqueName } from '../integration/docker-helpers';

/**
 * A new user's journey from an empty SLM_DECK_HOME to a first answer, in Chromium, for each
 * way SLM Deck runs a model: Overview → Deploy (the recommended settings for that backend)
 * → ready → Playground → the first preset answers, with its stats. Each journey prints its
 * time to first answer (a figure for the report, not an assertion; `npm run bench` times
 * the stages). Docker journeys only set a unique name and a free port: the test daemon is
 * shared. Run `node scripts/build.js` first.
 */
const PREFIX = 'it-journey';
let browser: Browser;

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await cleanup(PREFIX);
});

function report(journey: string, t0: number, stages: Record<string, number>): void {
  const parts = Object.entries(stages).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
  console.log(`journey ${journey}: first answer ${((Date.now() - t0) / 1000).toFixed(1)} s after opening the app (${parts.join(', ')})`);
}

/** The Playground part: the first preset, and its answer with stats. */
async function firstPresetAnswers(page: Page): Promise<string> {
  await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor();
  await page.getByRole('group', { name: 'Presets' }).getByRole('button').first().click();
  const reply = page.getByTestId('transcript').getByTestId('message-assistant').last();
  await expect.poll(() => reply.getByTestId('stats').count(), { timeout: 60_000 }).toBe(1);
  expect(await reply.getByTestId('stats').textContent()).toMatch(/tokens/);
  // The empty chat "Open in Playground" began is not left behind next to the preset's.
  await expect.poll(() => page.getByRole('navigation', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'New chat' }).count()).toBe(0);
  return (await reply.locator('.md').first().textContent()) ?? '';
}

describe('from an empty home to a first answer', () => {
  describe('with Docker (the test daemon, through the registry mirror)', () => {
    let served: Served;
    beforeAll(async () => {
      const home = tempHome('slm-deck-journey-');
      writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, dockerEndpoint: DOCKER_HOST, registryMirror: REGISTRY, ollamaUrl: 'http://127.0.0.1:9' }));
      served = await startServe({ home, args: ['--no-embedded'] });
    });
    afterAll(() => served?.stop());

    it.each([
      // [journey, backend card, model to pick (null = the recommended one), expected answer]
      ['Ollama', /Ollama \(Docker\)/, null, /^You said: /],
      ['vLLM CPU', /vLLM \(CPU, Docker\)/, null, new RegExp(`^${TINY_ANSWER.replace(/[.!]/g, '\\$&')}$`)],
      ['ONNX engine container', /ONNX engine \(Docker\)/, 'slm-deck-tiny-demo', new RegExp(`^${TINY_ANSWER.replace(/[.!]/g, '\\$&')}$`)],
    ] as const)('%s: Overview → Deploy → ready → Playground → an answer with stats', async (journey, card, model, answer) => {
      const t0 = Date.now();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${served.openUrl}#/overview`);
      await page.getByTestId('recommendation').getByRole('button', { name: 'Deploy', exact: true }).click();
      await expect.poll(() => page.getByTestId('docker-state').textContent(), { timeout: 15_000 }).toBe('Docker running');

      await page.getByRole('group', { name: 'Backend' }).getByRole('button', { name: card }).click();
      const form = page.getByRole('form', { name: 'Deployment settings' });
      await form.getByLabel('Name', { exact: true }).fill(uniqueName(journey.split(' ')[0].toLowerCase()).replace(/^it-/, `${PREFIX}-`));
      await form.getByLabel('Host port').fill(String(await freePort()));
      if (model) await form.getByLabel('Model', { exact: true }).selectOption(model);
      const deployAt = Date.now();
      await form.getByRole('button', { name: 'Deploy', exact: true }).click();

      const progress = page.getByTestId('deploy-progress');
      await progress.waitFor();
      await expect.poll(() => progress.getAttribute('data-state'), { timeout: 240_000 }).not.toBe('running');
      expect(await progress.getAttribute('data-state'), (await progress.textContent()) ?? '').toBe('succeeded');
      expect(await page.getByTestId('deploy-ready').textContent()).toBe('ready');
      const readyAt = Date.now();

      await page.getByTestId('deploy-done').getByRole('button', { name: 'Open in Playground' }).click();
      expect(await firstPresetAnswers(page)).toMatch(answer);
      report(journey, t0, { 'to deploy': deployAt - t0, 'deploy to ready': readyAt - deployAt, 'ready to answer': Date.now() - readyAt });
      await page.close();
    });
  });

  it('embedded (no Docker, no Ollama): Overview → the recommended embedded engine → Playground → an answer with stats', async () => {
    const home = tempHome('slm-deck-journey-embedded-');
    writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, dockerEndpoint: path.join(home, 'no-docker.sock'), ollamaUrl: 'http://127.0.0.1:9' }));
    const t0 = Date.now();
    const served = await startServe({ home });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${served.openUrl}#/overview`);
      await expect.poll(() => page.getByTestId('recommendation').textContent(), { timeout: 30_000 }).toContain('Embedded');
      await page.getByTestId('recommendation').getByRole('button', { name: 'Deploy', exact: true }).click();
      const card = page.getByTestId('embedded-card');
      await expect.poll(() => card.getByTestId('embedded-state').textContent(), { timeout: 30_000 }).toBe('Running');
      const readyAt = Date.now();
      await card.getByRole('button', { name: 'Open in Playground' }).click();
      expect(await firstPresetAnswers(page)).toBe(TINY_ANSWER);
      report('embedded', t0, { 'start to running': readyAt - t0, 'running to answer': Date.now() - readyAt });
      await page.close();
    } finally {
      await served.stop();
    }
  });
});
