import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { startServe, tempHome, type Served } from '../helpers/serve';

/** `slm-deck serve` whose settings point at the Ollama fake, written before it starts. */
async function serveWithOllama(ollamaUrl: string, extra: Record<string, string> = {}): Promise<Served> {
  const home = tempHome('slm-deck-e2e-models-');
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, ollamaUrl, ...extra }));
  return startServe({ home });
}

const DOCKER = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';

/** The page scrolls inside <main>: grow the viewport to its height so one image shows it all. */
async function screenshotWholePage(p: Page, name: string) {
  const height = Number(await p.evaluate('document.getElementById("main").scrollHeight'));
  await p.setViewportSize({ width: 1360, height: Math.min(4000, height + 40) });
  await p.evaluate('document.getElementById("main").scrollTo(0, 0)');
  await docScreenshot(p, name);
  await p.setViewportSize({ width: 1360, height: 1000 });
}

let fake: OllamaFake;
let served: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  fake = await startOllamaFake({ installed: ['phi4-mini'] });
  served = await serveWithOllama(fake.url);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  await page.goto(`${served.openUrl}#/models`);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await fake?.close();
});

describe('Models page', () => {
  it('shows the Ollama endpoint and the installed models', async () => {
    await page.getByText('Ollama 0.12.6').waitFor();
    const installed = page.getByRole('table', { name: 'Installed models' });
    await installed.getByText('phi4-mini:latest').waitFor();
    await installed.getByRole('button', { name: 'Show' }).click();
    await page.getByLabel('Details of phi4-mini:latest').getByText('131,072 tokens (model maximum)').waitFor();
  });

  it('explains every Modelfile mistake inline, with line and column', async () => {
    await page.getByRole('tab', { name: 'Modelfile' }).click();
    const editor = page.getByRole('textbox', { name: 'Modelfile' });
    await editor.fill('FROM phi4-mini\nPARAMETER temprature 0.3\nPARAMETER top_p 1.5\n');
    const problems = page.getByRole('list', { name: 'Modelfile problems' });
    await problems.getByText('Line 2, column 11').waitFor();
    await expect(problems.textContent()).resolves.toContain('Did you mean temperature?');
    await problems.getByText('Line 3, column 17').waitFor();
    await expect(page.getByRole('status', { name: 'Modelfile check' }).textContent()).resolves.toBe('2 errors, 0 warnings');
    expect(await page.getByRole('button', { name: 'Create in Ollama' }).isDisabled()).toBe(true);
  });

  it('creates the reasoning variant from its template, edited in the form, and lists it', async () => {
    await page.getByLabel('Start from a template').selectOption('phi4-mini-stepwise');
    await page.getByRole('button', { name: 'Use template' }).click();
    expect(await page.getByLabel('Variant name').inputValue()).toBe('phi4-mini-stepwise');
    await page.getByRole('tab', { name: 'Form' }).click();
    const temperature = page.getByLabel('Temperature');
    expect(await temperature.inputValue()).toBe('0.3');
    // The form and the raw Modelfile are one text.
    await temperature.fill('0.25');
    await page.getByRole('tab', { name: 'Modelfile' }).click();
    expect(await page.getByRole('textbox', { name: 'Modelfile' }).inputValue()).toContain('PARAMETER temperature 0.25\n');
    await page.getByRole('tab', { name: 'Form' }).click();

    await page.getByRole('button', { name: 'Create in Ollama' }).click();
    await page.getByLabel('Create phi4-mini-stepwise progress').getByText('succeeded').waitFor();
    const row = page.getByRole('table', { name: 'Installed models' }).locator('tr[data-model="phi4-mini-stepwise:latest"]');
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('variant');
    await page.getByRole('button', { name: 'Update in Ollama' }).waitFor();

    const body = fake.requests.find((r) => r.path === '/api/create')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'phi4-mini-stepwise', from: 'phi4-mini', parameters: { temperature: 0.25, top_p: 0.8 } });
    expect(body).not.toHaveProperty('modelfile');
    expect(fake.findModel('phi4-mini-stepwise')?.parameters).toMatchObject({ temperature: 0.25 });

    await page.getByRole('button', { name: 'With the base model' }).click();
    await page.getByLabel('Differences between phi4-mini and phi4-mini-stepwise v1').getByText('default 0.8').waitFor();
    await screenshotWholePage(page, 'models');
  });

  it('a cancelled pull offers Resume and finishes from where it stopped', async () => {
    fake.pullIntervalMs = 200;
    await page.getByLabel('Model to pull').fill('phi4-mini:3.8b-q8_0');
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    const progress = page.getByLabel('Pull phi4-mini:3.8b-q8_0 progress', { exact: true });
    // Some bytes arrive, then the user cancels.
    await progress.getByText(/^[1-9][\d.]* [KMG]i?B of /).waitFor({ timeout: 15_000 });
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.getByRole('button', { name: 'Resume' }).waitFor();
    fake.pullIntervalMs = 1;
    await progress.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('table', { name: 'Installed models' }).getByText('phi4-mini:3.8b-q8_0').waitFor();
    // The second pull started from the bytes the first one left: Ollama reported them as already there.
    const pulls = fake.pullLog.filter((p) => p.model.includes('3.8b-q8_0'));
    expect(pulls).toHaveLength(2);
    const resumedAt = (pulls[1].lines as Array<{ completed?: number; total?: number }>).find((l) => l.total !== undefined)?.completed ?? 0;
    expect(resumedAt).toBeGreaterThan(0);
  });

  it('Try in Playground opens the Playground with the variant', async () => {
    await page.getByLabel('Variant editor').getByRole('button', { name: 'Try in Playground' }).click();
    await page.waitForURL(/#\/playground/);
    await page.getByRole('heading', { name: 'Playground' }).first().waitFor();
    // The variant the editor holds is the model the chat will use, on the Ollama backend.
    const variant = page.getByLabel('Chat settings').getByLabel('Model', { exact: true });
    await expect.poll(() => variant.locator('option:checked').textContent()).toMatch(/^phi4-mini-stepwise:latest · /);
  });

  it('a new variant: its base model is offered for pulling, and its draft survives a visit to another page', async () => {
    fake.pullIntervalMs = 1;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('button', { name: 'New variant' }).click();
    const editor = page.getByLabel('Variant editor');
    await page.getByRole('tab', { name: 'Modelfile' }).click();
    await page.getByRole('textbox', { name: 'Modelfile' }).fill('FROM qwen3:0.6b\nPARAMETER temperature 0.4\n');
    await page.getByLabel('Variant name').fill('qwen-draft');
    // Away and back: the unsaved text is still there.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('tab', { name: 'Modelfile' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Modelfile' }).inputValue()).toBe('FROM qwen3:0.6b\nPARAMETER temperature 0.4\n');
    expect(await page.getByLabel('Variant name').inputValue()).toBe('qwen-draft');
    // qwen3:0.6b is not in Ollama: the editor says so and pulls it on request.
    const missing = editor.getByRole('status').filter({ hasText: 'The base model qwen3:0.6b is not in Ollama yet' });
    await missing.waitFor();
    await missing.getByRole('button', { name: 'Pull qwen3:0.6b' }).click();
    await editor.getByLabel('Pull qwen3:0.6b progress', { exact: true }).getByText('succeeded').waitFor({ timeout: 30_000 });
    await expect.poll(() => missing.count()).toBe(0);
  });
});

describe('Models page without Ollama', () => {
  it('says nothing answers, what to do, and hands Ollama to the Deploy page when Docker is there', async () => {
    const gone = await startOllamaFake();
    const url = gone.url;
    await gone.close();
    // The real test Docker daemon (test/services/up.sh).
    const s = await serveWithOllama(url, { dockerEndpoint: DOCKER });
    const p = await browser.newPage();
    try {
      await p.goto(`${s.openUrl}#/models`);
      const alert = p.getByRole('alert').filter({ hasText: 'Ollama is not answering' });
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toContain('ollama serve');
      await p.getByRole('button', { name: 'Change the Ollama URL' }).waitFor();
      // Nothing can be created in an Ollama that does not answer: the button says so by being off.
      await p.getByLabel('Variant name').fill('offline-variant');
      await expect.poll(() => p.getByRole('button', { name: 'Create in Ollama' }).isDisabled()).toBe(true);
      await p.getByText('Ollama is not answering, so the variant can be saved but not created yet.').waitFor();
      await p.getByRole('button', { name: 'Deploy Ollama' }).click();
      await p.waitForURL(/#\/deploy/);
      await expect(p.getByTestId('draft-origin').textContent()).resolves.toContain('Ollama was not answering');
    } finally {
      await p.close();
      await s.stop();
    }
  });
});
