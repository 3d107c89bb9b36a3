import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { startServe, tempHome, type Served } from '../helpers/serve';
import { cleanup, DOCKER_HOST, ensureServices, freePort, inspect, rawDocker, REGISTRY, uniqueName } from '../integration/docker-helpers';

const PREFIX = 'it-e2e';
let browser: Browser;
let served: Served | undefined;

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
  browser = await launchBrowser();
  const home = tempHome();
  // The settings file of a fresh home: the test daemon, through the local registry mirror.
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, dockerEndpoint: DOCKER_HOST, registryMirror: REGISTRY }));
  served = await startServe({ home });
});
afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await cleanup(PREFIX);
});

describe('Deploy page', () => {
  it('deploys the Ollama stand-in, watches it become ready (model pulled, answering), reads its logs and removes it', async () => {
    const name = uniqueName('e2e');
    const port = await freePort();
    // A fresh pull shows the progress phase.
    await rawDocker().getImage(`${REGISTRY}/ollama/ollama:latest`).remove({ force: true }).catch(() => undefined);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served!.openUrl}#/deploy`);
    await expect.poll(() => page.getByTestId('docker-state').textContent(), { timeout: 15_000 }).toBe('Docker running');

    await page.getByRole('group', { name: 'Backend' }).getByRole('button', { name: /Ollama \(Docker\)/ }).click();
    const form = page.getByRole('form', { name: 'Deployment settings' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Host port').fill(String(port));
    const memory = form.getByLabel('Memory limit (GB)');
    await memory.fill('1');
    await form.getByLabel('CPU limit').fill('1');
    await form.getByRole('button', { name: 'Deploy', exact: true }).click();

    // 1 GB is below the planner's estimate for this form, context and parallel requests: refused on the field, with the number it needs.
    const tooSmall = page.locator('#deploy-memoryLimitGb-help');
    await expect.poll(() => tooSmall.textContent(), { timeout: 15_000 }).toMatch(/^Too small: needs at least \d+(\.\d)? GiB for Ollama \(Docker\) with phi4-mini:3\.8b-q4_K_M \(GGUF 4-bit\) at [\d,]+-token context × \d+ parallel requests? \(the planner's estimate: [\d.]+ GiB\)\.$/);
    expect(await memory.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('deploy-progress').count()).toBe(0);
    expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).length).toBe(0);
    const needed = /needs at least ([\d.]+) GiB/.exec((await tooSmall.textContent()) ?? '')![1];
    await memory.fill(needed);
    expect(await tooSmall.count()).toBe(0);
    await form.getByRole('button', { name: 'Deploy', exact: true }).click();

    const progress = page.getByTestId('deploy-progress');
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 90_000 }).not.toBe('running');
    expect(await progress.getAttribute('data-state'), await progress.textContent() ?? '').toBe('succeeded');
    const done = page.getByTestId('deploy-done');
    expect(await page.getByTestId('deploy-ready').textContent()).toBe('ready');
    expect(await done.textContent()).toContain('Answering with phi4-mini:3.8b-q4_K_M');
    expect(await page.getByTestId('endpoint-url').getAttribute('href')).toBe(`http://127.0.0.1:${port}`);
    expect(await done.locator('pre').textContent()).toContain(`curl http://127.0.0.1:${port}/api/chat`);

    // The container really is there, as configured, and answers.
    const c = await inspect(`slm-deck-${name}`);
    // Docker's own check agrees once it has run (an interval after the start on Engine < 25).
    await expect.poll(async () => (await inspect(`slm-deck-${name}`)).State.Health?.Status, { timeout: 30_000 }).toBe('healthy');
    expect(c.HostConfig.PortBindings).toEqual({ '11434/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    expect(c.HostConfig.Memory).toBe(Math.round(Number(needed) * 1024 ** 3));
    // Ready means answering: the model was pulled into the deployment.
    const tags = (await (await fetch(`http://127.0.0.1:${port}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toContain('phi4-mini:3.8b-q4_K_M');

    const row = page.locator(`tr[data-deployment="${name}"]`);
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('running');
    // The page scrolls inside its main pane: a tall viewport shows the form, the result and the list.
    await page.setViewportSize({ width: 1280, height: 1500 });
    await docScreenshot(page, 'deploy');

    await row.getByRole('button', { name: 'Logs' }).click();
    await expect.poll(() => page.getByTestId('log-view').textContent(), { timeout: 10_000 }).toContain('stand-in ollama: serving the Ollama API');
    await page.getByLabel('Search logs').fill('no such line');
    await expect.poll(() => page.getByTestId('log-view').textContent()).toBe('');

    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.locator(`tr[data-deployment="${name}"]`).count(), { timeout: 15_000 }).toBe(0);
    expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).length).toBe(0);
    await page.close();
  });

  it('shows the llama.cpp card from the backend registry, with its own form field and create options', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served!.openUrl}#/deploy`);
    const card = page.getByRole('group', { name: 'Backend' }).getByRole('button', { name: /llama\.cpp \(Docker\)/ });
    expect(await card.textContent()).toContain('GGUF from Hugging Face');
    await card.click();
    expect(await card.getAttribute('aria-pressed')).toBe('true');
    const form = page.getByRole('form', { name: 'Deployment settings' });
    expect(await form.getByLabel('Host port').inputValue()).toBe('8090');
    await form.getByLabel('KV cache type').selectOption('q8_0');
    // vLLM's and Ollama's own fields are not offered for it.
    expect(await form.getByText('Tool calling').count()).toBe(0);
    expect(await form.getByText('Also start Open WebUI').count()).toBe(0);
    await form.getByRole('button', { name: 'Preview create options' }).click();
    const text = await page.getByTestId('code-dialog-text').textContent();
    expect(text).toContain(`"Image": "${REGISTRY}/ggml-org/llama.cpp:server"`);
    expect(text).toContain('"--cache-type-k",\n      "q8_0"');
    await page.close();
  });

  it('exports the form as Kubernetes YAML next to the compose file', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served!.openUrl}#/deploy`);
    await page.getByRole('group', { name: 'Backend' }).getByRole('button', { name: /^Ollama/ }).click();
    const form = page.getByRole('form', { name: 'Deployment settings' });
    await form.getByRole('button', { name: 'Kubernetes YAML' }).click();
    const text = (await page.getByTestId('code-dialog-text').textContent()) ?? '';
    expect(text).toContain('kubectl apply -f slm-deck-ollama.yaml');
    expect(text.match(/^kind: \w+$/gm)).toEqual(['kind: PersistentVolumeClaim', 'kind: Deployment', 'kind: Service']);
    expect(text).toContain('name: model-pull');
    await page.close();
  });

  it('shows a busy port before deploying and offers the next free one', async () => {
    const port = await freePort();
    const net = await import('node:net');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    try {
      const page = await browser.newPage();
      await page.goto(`${served!.openUrl}#/deploy`);
      const form = page.getByRole('form', { name: 'Deployment settings' });
      await form.getByLabel('Host port').fill(String(port));
      await form.getByLabel('Context length (tokens)').click();
      const warning = page.getByTestId('port-check');
      await warning.waitFor();
      expect(await warning.textContent()).toContain(`Port ${port} on 127.0.0.1 is already in use by`);
      await warning.getByRole('button', { name: /^Use \d+$/ }).click();
      expect(Number(await form.getByLabel('Host port').inputValue())).toBeGreaterThan(port);
      await page.close();
    } finally {
      srv.close();
    }
  });
});
