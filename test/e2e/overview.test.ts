import os from 'node:os';
import Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { hostNvidia } from '../helpers/host-gpu';
import { startServe, type Served } from '../helpers/serve';

const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
const GIB = 1024 ** 3;
const host = hostNvidia();

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The Verdict column as the user reads it, for every fit-table row, keyed by its test id. */
async function verdicts(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-testid^="fit-"]', (rows) =>
    Object.fromEntries(
      rows.map((r) => {
        const heads = [...(r.closest('table')?.querySelectorAll('thead th') ?? [])].map((th) => th.textContent);
        return [r.getAttribute('data-testid')!, r.children[heads.indexOf('Verdict')]?.textContent ?? ''];
      }),
    ),
  );
}

describe('Overview page (slm-deck serve + Chromium)', () => {
  let served: Served | undefined;
  afterAll(async () => {
    await served?.stop();
  });

  it("shows this machine's profile, and the verdicts follow the context slider", async () => {
    served = await startServe({ env: { DOCKER_HOST } });
    const page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
    await page.goto(served.openUrl);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    // Hardware cards: what this machine really has.
    const cpu = page.getByTestId('card-cpu');
    await cpu.waitFor();
    expect(await cpu.textContent()).toContain(`${os.cpus().length} threads`);
    expect(await page.getByTestId('card-memory').textContent()).toContain(`${(os.totalmem() / GIB).toFixed(2)} GiB`);
    const gpu = await page.getByTestId('card-gpu').textContent();
    if (host.gpus.length) for (const name of host.gpus) expect(gpu).toContain(name);
    else expect(gpu).toContain('No GPU');
    if (!host.installed) expect(gpu).toContain('nvidia-smi is not installed');
    const { Version } = await new Docker({ socketPath: DOCKER_HOST.replace(/^unix:\/\//, '') }).version();
    const docker = await page.getByTestId('card-docker').textContent();
    expect(docker).toContain('Running');
    expect(docker).toContain(Version);
    expect(docker).toMatch(/GPU passthrough\s*no/);

    // The recommendation explains itself and rules out vLLM's GPU image.
    const rec = page.getByTestId('recommendation');
    await rec.waitFor();
    if (host.gpus.length) expect(await rec.textContent()).not.toContain('There is no NVIDIA GPU with CUDA');
    else expect(await rec.textContent()).toContain('There is no NVIDIA GPU with CUDA');
    await rec.getByText('Estimate, term by term').click();
    expect(await rec.textContent()).toContain('2 (K and V) × 32 layers × 8 KV heads × 128 head dim');

    // Fit table at the default 4K context.
    await page.getByTestId('fit-ollama-ollama-q4_K_M').waitFor();
    expect(await page.getByTestId('context-value').textContent()).toContain('4,096 tokens');
    const at4k = await verdicts(page);
    expect(at4k['fit-vllm-gpu-vllm-bf16']).toBe('Not available');
    expect(at4k['fit-ollama-ollama-q4_K_M']).toBe('Fits');

    // An estimate opens with every term; the KV term is computed for the slider's context.
    const onnxRow = page.getByTestId('fit-onnx-engine-onnx-cpu-int4');
    await onnxRow.getByRole('button', { name: 'Show estimate' }).click();
    await page.getByText('4 B × 4,096 tokens × 1 sequence').waitFor();

    // Slide to the maximum context: 32 GiB of fp32 KV alone is more than this machine has.
    const slider = page.getByRole('slider', { name: 'Context length' });
    await slider.focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.getByTestId('context-value').textContent()).toContain('131,072 tokens');
    await page.getByText('4 B × 131,072 tokens × 1 sequence').waitFor();
    // Weights, fp32 KV, runtime and logits against this machine's RAM less the 1 GiB kept for the system.
    const need = 4.86e9 + 32 * GIB + 0.5 * GIB + 512 * 200_064 * 4;
    const onnx128k = () => verdicts(page).then((v) => v['fit-onnx-engine-onnx-cpu-int4']);
    if (need > os.totalmem() - GIB) await expect.poll(onnx128k, { timeout: 15_000 }).toBe("Won't fit");
    else await expect.poll(onnx128k, { timeout: 15_000 }).toMatch(/^(Fits|Tight)$/);
    const at128k = await verdicts(page);
    // Unavailable stays unavailable whatever the context.
    expect(at128k['fit-vllm-gpu-vllm-bf16']).toBe('Not available');

    // Back to 4K: the verdicts come back.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('context-value').textContent()).toContain('4,096 tokens');
    await expect.poll(async () => (await verdicts(page))['fit-onnx-engine-onnx-cpu-int4']).toBe(at4k['fit-onnx-engine-onnx-cpu-int4']);

    await docScreenshot(page, 'overview', { fullPage: true });

    // Deploy takes the recommendation to the Deploy page.
    await rec.getByRole('button', { name: 'Deploy' }).click();
    await expect.poll(() => page.url()).toContain('#/deploy');
    await page.close();
  });

  it('without Docker, the Docker card says why and the plan falls back to the embedded engine', async () => {
    const s = await startServe({ env: { DOCKER_HOST: 'unix:///tmp/slm-deck-test/no-docker-here.sock' } });
    try {
      const page = await browser.newPage();
      await page.goto(s.openUrl);
      const docker = page.getByTestId('card-docker');
      await docker.waitFor();
      const text = await docker.textContent();
      expect(text).toContain('Not reachable');
      expect(text).toContain('no-docker-here.sock');
      const rec = page.getByTestId('recommendation');
      await rec.waitFor();
      expect(await rec.textContent()).toContain('Embedded ONNX engine (no Docker)');
      expect(await rec.textContent()).toContain('Docker is not reachable');
      await page.close();
    } finally {
      await s.stop();
    }
  });
});
