import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { ROOT, startServe, tempHome, type Served } from '../helpers/serve';
import { parseCsv } from '../unit/bench-parse';

/**
 * The Benchmark page in Chromium, served by the real `slm-deck serve`: two ONNX engine
 * processes with the tiny model and the Ollama protocol fake. Run `node scripts/build.js` first.
 */
const MODEL_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);

let browser: Browser;
let engineA: EngineProcess;
let engineB: EngineProcess;
let fake: OllamaFake;
let served: Served;
let page: Page;
let ollamaLabel: string;
let proxy: http.Server;

beforeAll(async () => {
  browser = await launchBrowser();
  [engineA, engineB] = await Promise.all([spawnEngine({ modelDir: MODEL_DIR }), spawnEngine({ modelDir: MODEL_DIR })]);
  fake = await startOllamaFake({ installed: ['phi4-mini'] });
  // A reverse proxy whose server is down: every request gets nginx's HTML error page.
  proxy = http.createServer((_req, res) => {
    res.writeHead(502, { 'Content-Type': 'text/html' });
    res.end('<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  ollamaLabel = `Ollama (127.0.0.1:${fake.port})`;
  const home = tempHome('slm-deck-bench-e2e-');
  // No Docker: deployments other tests left on the shared daemon must not join the run.
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 1, ollamaUrl: fake.url, dockerEndpoint: 'unix:///tmp/slm-deck-test/no-docker-for-bench.sock' }));
  writeFileSync(
    path.join(home, 'chat-backends.json'),
    JSON.stringify({
      version: 1,
      backends: [
        { id: 'custom:a', label: 'Engine A', baseUrl: `${engineA.url}/v1`, kind: 'openai' },
        { id: 'custom:b', label: 'Engine B', baseUrl: `${engineB.url}/v1`, kind: 'openai' },
        { id: 'custom:proxy', label: 'Behind a proxy', baseUrl: `${proxyUrl}/v1`, kind: 'openai' },
      ],
    }),
  );
  served = await startServe({ home });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${served.openUrl}#/benchmark`);
  await page.getByRole('heading', { name: 'Benchmark', level: 1 }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await Promise.all([engineA?.stop(), engineB?.stop(), fake?.close()]);
  proxy?.close();
});

const backendBox = (label: string) => page.getByRole('checkbox', { name: label, exact: true });
const results = () => page.locator('section.bench-results');

describe('benchmark page', () => {
  it('runs a small benchmark from the UI and shows the comparison table, the charts and exports', async () => {
    // Backends that answer are ticked: Run is the second click.
    for (const label of ['Engine A', 'Engine B', ollamaLabel]) await expect.poll(() => backendBox(label).isChecked()).toBe(true);

    await page.getByText(/^Prompt suite: 9 prompts/).click();
    await page.getByLabel('Import prompt suite (JSONL)').setInputFiles({
      name: 'suite.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from('{"id":"hello","prompt":"Hello! Who are you?"}\n{"id":"count","prompt":"Count to three"}\n{"id":"math","prompt":"What is 2 + 2?"}\n'),
    });
    await expect.poll(() => page.getByText(/^Prompt suite: /).textContent()).toBe('Prompt suite: 3 prompts (suite.jsonl)');
    await page.getByLabel('Runs per prompt').fill('2');
    await page.getByLabel('Concurrency levels').fill('1, 2');
    await page.getByLabel('Name (optional)').fill('Engines vs Ollama');
    await page.getByRole('button', { name: 'Run benchmark' }).click();

    await expect.poll(() => page.locator('.bench-progress').getAttribute('data-state'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => results().getByRole('heading', { level: 2 }).textContent()).toBe('Engines vs Ollama');

    const table = page.getByRole('table', { name: 'Comparison' });
    const heads = await table.locator('thead th').allTextContents();
    expect(heads.slice(1)).toEqual(['EngineONNX Runtime · CPU', 'EngineONNX Runtime · CPU', `${ollamaLabel}Ollama · CPU`].map((h, i) => h.replace('Engine', i === 0 ? 'Engine A' : 'Engine B')));
    const row = (label: string) => table.getByRole('row', { name: new RegExp(`^${label.replace(/[()]/g, '\\$&')}`) }).getByRole('cell');
    // Measured here: a figure in tok/s, not the guide's words.
    const cpu = row('Performance (CPU)');
    expect(await cpu.count()).toBe(3);
    for (let i = 0; i < 3; i++) expect(await cpu.nth(i).textContent()).toMatch(/^\d+\.\d tok\/s/);
    // SLM Deck's own engine is rated as it is (the guide's FastAPI route was Complex and /reasoning only).
    expect(await row('Set-up effort').allTextContents()).toEqual(['Easy', 'Easy', 'Easy']);
    expect(await row('API style').allTextContents()).toEqual(['OpenAI-compatible', 'OpenAI-compatible', 'Own REST API (/api/chat, NDJSON)']);
    // The source is named for what it is: nobody knows what "the seed" is.
    const tableText = `${await results().innerText()} ${(await table.locator('[title]').evaluateAll((els) => els.map((e) => e.getAttribute('title')))).join(' ')}`;
    expect(tableText).toContain('deployment guide');
    expect(tableText).not.toMatch(/the seed|seed's|seed quoted/i);
    expect(await row('Memory use').nth(2).textContent()).toMatch(/GiB peak/);
    await expect.poll(() => page.getByRole('list', { name: 'Verdicts' }).textContent()).toContain('Fastest single stream: ');

    // A chart per metric: one bar per backend and concurrency level, each with its value written out.
    const bars = (metric: string) => page.getByRole('list', { name: new RegExp(`^${metric} at concurrency \\d+$`) }).getByRole('listitem');
    expect(await bars('Decode p50').count()).toBe(6);
    for (const text of await bars('Decode p50').allTextContents()) expect(Number(/([\d.]+)$/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(await bars('TTFT p50').count()).toBe(6);

    const measurements = page.getByRole('table', { name: 'Measurements' });
    // Every column fits a 1440 px window without scrolling sideways.
    await page.setViewportSize({ width: 1440, height: 1000 });
    await expect.poll(() => measurements.evaluate((t) => t.parentElement!.scrollWidth - t.parentElement!.clientWidth)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1400, height: 1000 });
    const rows = measurements.locator('tbody tr');
    expect(await rows.count()).toBe(6);
    const ttftColumn = (await measurements.getByRole('columnheader').allTextContents()).findIndex((h) => h.startsWith('TTFT p50'));
    const shownTtft = await rows.first().getByRole('cell').nth(ttftColumn - 1).textContent();
    expect(await rows.first().locator('td').nth(1).textContent()).toBe('6/6');

    // The CSV export holds the same numbers as the page, at full precision.
    const [dl] = await Promise.all([page.waitForEvent('download'), results().getByRole('button', { name: 'CSV', exact: true }).click()]);
    const csv = parseCsv(readFileSync((await dl.path())!, 'utf8'));
    expect(dl.suggestedFilename()).toMatch(/^slm-deck-benchmark-.*\.csv$/);
    expect(csv).toHaveLength(7);
    expect(Number(csv[1][csv[0].indexOf('ttft_p50_ms')]).toFixed(1)).toBe(shownTtft);
    expect(csv.slice(1).map((r) => r[csv[0].indexOf('backend')])).toEqual(['Engine A', 'Engine B', ollamaLabel, 'Engine A', 'Engine B', ollamaLabel]);
    const [md] = await Promise.all([page.waitForEvent('download'), results().getByRole('button', { name: 'Markdown', exact: true }).click()]);
    expect(readFileSync((await md.path())!, 'utf8')).toContain('| Performance (CPU) | **');

    await results().scrollIntoViewIfNeeded();
    await docScreenshot(page, 'benchmark');
  });

  it('cancels a run from the page; the history keeps it, and two runs compare', async () => {
    fake.tokenIntervalMs = 40;
    try {
      await page.getByLabel('Runs per prompt').fill('6');
      await page.getByLabel('Name (optional)').fill('To be cancelled');
      await page.getByRole('button', { name: 'Run benchmark' }).click();
      const progress = page.locator('.bench-progress');
      await expect.poll(() => progress.getAttribute('data-state')).toBe('running');
      // Cancel once some requests were measured (before that there would be nothing to keep).
      await expect.poll(async () => Number(await progress.getByRole('progressbar').getAttribute('value')), { timeout: 20_000 }).toBeGreaterThan(0.1);
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => progress.getAttribute('data-state')).toBe('cancelled');
      await progress.getByText('Cancelled. Whatever was measured before is kept').waitFor();
    } finally {
      fake.tokenIntervalMs = 0;
    }
    const history = page.getByRole('table', { name: 'Runs' });
    await expect.poll(() => history.locator('tbody tr').count()).toBe(2);
    const cancelled = history.locator('tbody tr').first();
    expect(await cancelled.textContent()).toContain('To be cancelled');
    expect(await cancelled.getByText('cancelled', { exact: true }).count()).toBe(1);

    await page.getByRole('checkbox', { name: 'Compare Engines vs Ollama' }).check();
    await page.getByRole('checkbox', { name: 'Compare To be cancelled' }).check();
    const cmp = page.getByRole('table', { name: 'Run comparison' });
    await expect.poll(() => cmp.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByRole('heading', { name: 'Engines vs Ollama → To be cancelled' }).count()).toBe(1);
  });

  it('a backend behind a broken proxy: the run is partial, and its error is a line, not an HTML page', async () => {
    for (const label of ['Engine B', ollamaLabel]) await backendBox(label).uncheck();
    await backendBox('Behind a proxy').check();
    await page.getByLabel('Runs per prompt').fill('1');
    await page.getByLabel('Concurrency levels').fill('1');
    await page.getByLabel('Name (optional)').fill('One backend down');
    await page.getByRole('button', { name: 'Run benchmark' }).click();
    const progress = page.getByRole('region', { name: 'Benchmark progress' });
    await progress.getByText('partial', { exact: true }).waitFor({ timeout: 60_000 });
    await expect.poll(() => results().getByRole('heading', { level: 2 }).textContent()).toBe('One backend down');
    await results().getByText('partial', { exact: true }).waitFor();
    const text = await results().innerText();
    expect(text).toContain('Behind a proxy failed');
    expect(text).toContain('an HTML error page ("502 Bad Gateway")');
    expect(text).not.toMatch(/<html|<center>|nginx\/1/);
    const history = page.getByRole('table', { name: 'Runs' });
    expect(await history.getByRole('row', { name: /One backend down/ }).getByText('partial', { exact: true }).count()).toBe(1);
  });
});
