import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDockerClient } from '../../electron/core/docker/client';
import { LABEL } from '../../electron/core/docker/labels';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import { launchBrowser } from '../helpers/browser';
import { docScreenshot } from '../helpers/doc-screenshot';
import { hostNvidia } from '../helpers/host-gpu';
import { ROOT, startServe, tempHome, type Served } from '../helpers/serve';

const DOCKER_HOST = process.env.SLM_TEST_DOCKER_HOST ?? 'unix:///tmp/slm-deck-test/docker.sock';
const host = hostNvidia();
const REGISTRY = process.env.SLM_TEST_REGISTRY ?? 'localhost:5000';
const NAME = `slm-deck-metrics-e2e-${process.pid}`;

let browser: Browser;
let served: Served;
let docker: Docker;
let engine: EngineProcess | undefined;

beforeAll(async () => {
  docker = createDockerClient(DOCKER_HOST);
  await docker.getContainer(NAME).remove({ force: true }).catch(() => undefined);
  const c = await docker.createContainer({
    name: NAME,
    Image: `${REGISTRY}/slm-deck/cpu-burner:latest`,
    Labels: { [LABEL.managed]: 'true', [LABEL.deployment]: `metrics-e2e-${process.pid}`, [LABEL.role]: 'server' },
    HostConfig: { Memory: 64 * 1024 * 1024, Init: true },
  });
  await c.start();
  const home = tempHome();
  const set = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), 'settings', 'set', 'dockerEndpoint', DOCKER_HOST], {
    env: { ...process.env, SLM_DECK_HOME: home },
    encoding: 'utf8',
  });
  expect(set.status, set.stderr).toBe(0);
  served = await startServe({ home });
  browser = await launchBrowser();
});

// A test that fails before its page.close() must not leave a watcher for the next one.
afterEach(async () => {
  await Promise.all(browser.contexts().map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await engine?.stop();
  await docker?.getContainer(NAME).remove({ force: true }).catch(() => undefined);
});

/** What a chart holds right now (TimeChart writes it on every setData). */
async function chart(page: Page, title: string) {
  const fig = page.locator(`figure[data-chart="${title}"]`);
  const [points, filled, series, last] = await Promise.all([fig.getAttribute('data-points'), fig.getAttribute('data-filled'), fig.getAttribute('data-series'), fig.getAttribute('data-last')]);
  return { points: Number(points ?? 0), filled: Number(filled ?? 0), series: Number(series ?? 0), last: JSON.parse(last ?? '[]') as (number | null)[] };
}

/** One call over its own WebSocket, as any client of `slm-deck serve` could make it. */
async function rpc<T>(method: string, params: unknown): Promise<T> {
  const token = new URL(served.openUrl).searchParams.get('token')!;
  const ws = new WebSocket(`${served.url.replace('http', 'ws')}/ws?token=${token}`);
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  ws.send(JSON.stringify({ type: 'call', id: 1, method, params }));
  const msg = await new Promise<{ envelope: { ok: boolean; result: T; error?: { message: string } } }>((r) =>
    ws.once('message', (d) => r(JSON.parse(String(d)))),
  );
  ws.close();
  if (!msg.envelope.ok) throw new Error(`${method}: ${msg.envelope.error?.message}`);
  return msg.envelope.result;
}
const status = () => rpc<{ running: boolean; watchers: number; scopes: string[] }>('metrics.status', {});

describe('Monitor page (slm-deck serve + Chromium)', () => {
  it('draws host and container charts that keep updating, with window, pause, hover values and CSV export', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await page.goto(`${served.openUrl}#/monitor`);
    await page.getByRole('heading', { name: 'Monitor', level: 1 }).waitFor();

    // The CPU chart fills and keeps moving: its point count grows by itself.
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const before = await chart(page, 'CPU');
    expect(before.series).toBe(1);
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeGreaterThan(before.points);
    const memory = await chart(page, 'Memory');
    expect(memory.last[0]).toBeGreaterThan(0);

    // The busy container shows up with its own series, and its CPU is well above idle (on a shared,
    // loaded machine it may get well under one core).
    await expect
      .poll(async () => (await chart(page, 'Container CPU')).last.some((v) => v !== null && v > 10), { timeout: 30_000 })
      .toBe(true);
    const containerRow = page.getByRole('table', { name: 'Current values' }).getByRole('row', { name: new RegExp(`${NAME} CPU`) });
    await expect.poll(() => containerRow.locator('td').first().textContent()).toMatch(/^\d+(\.\d)? %$/);
    const memRow = page.getByRole('table', { name: 'Current values' }).getByRole('row', { name: new RegExp(`${NAME} memory`) });
    await expect.poll(() => memRow.locator('td').first().textContent()).toMatch(/(KiB|MiB)$/);

    // Without a GPU the GPU charts explain why instead of drawing nothing.
    if (host.gpus.length) await expect.poll(async () => (await chart(page, 'GPU utilisation')).series, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    else await expect.poll(() => page.locator('[data-chart="GPU utilisation"]').textContent()).toMatch(/No NVIDIA GPU|No AMD GPU|No GPU/);

    // Hover: the legend shows the value under the cursor, with its unit.
    const plot = page.locator('figure[data-chart="CPU"] .u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
    await expect.poll(() => page.locator('figure[data-chart="CPU"] .u-legend .u-series').nth(1).locator('.u-value').textContent()).toMatch(/%$/);

    // Window selector.
    await page.getByRole('radio', { name: '5 min', exact: true }).click();
    expect(await page.getByRole('radio', { name: '5 min', exact: true }).getAttribute('aria-checked')).toBe('true');

    // Pause holds the chart while sampling goes on (the live strip keeps moving).
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = await chart(page, 'CPU');
    const rowsText = await page.getByTestId('monitor-rate').textContent();
    // Two more samples reach the core's buffer while the chart holds still.
    const buffered = async () => (await rpc<{ csv: string }>('metrics.exportCsv', { series: ['host.cpu'], windowSeconds: 300 })).csv.trimEnd().split('\r\n').length - 1;
    const atPause = await buffered();
    await expect.poll(buffered, { timeout: 10_000 }).toBeGreaterThanOrEqual(atPause + 2);
    expect((await chart(page, 'CPU')).points).toBe(held.points);
    expect(await page.getByTestId('monitor-rate').textContent()).toBe(rowsText);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeGreaterThan(held.points);

    // CSV export downloads the buffer.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^slm-deck-metrics-\d{8}-\d{6}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header.startsWith('time,CPU (%),')).toBe(true);
    expect(header).toContain(`${NAME} CPU (%)`);
    expect(rows.length).toBeGreaterThanOrEqual(held.points);

    // Half a minute of data for the README screenshot, the cursor on the newest samples.
    await page.getByRole('radio', { name: '1 min', exact: true }).click();
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 60_000 }).toBeGreaterThanOrEqual(30);
    await page.mouse.move(box.x + box.width - 4, box.y + box.height / 3);
    await expect.poll(() => page.locator('figure[data-chart="CPU"] .u-legend .u-series').nth(1).locator('.u-value').textContent()).toMatch(/%$/);
    await docScreenshot(page, 'monitor');
    expect(cspErrors).toEqual([]);

    // While the page is open the sampler runs with the container scope; closing it ends the watch.
    expect(await status()).toMatchObject({ running: true });
    expect((await status()).scopes).toContain('containers');
    await page.close();
    await expect.poll(async () => (await status()).watchers, { timeout: 10_000 }).toBe(0);
    expect((await status()).running).toBe(false);
  });

  it('the container charts keep their history across a visit to another page (the core samples on)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/monitor`);
    await page.getByRole('radio', { name: '5 min', exact: true }).click();
    await expect.poll(async () => (await chart(page, 'Container CPU')).filled, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const before = (await chart(page, 'Container CPU')).filled;
    const left = Date.now();

    // Away on Settings: the Monitor page is gone, the live strip keeps the sampler running.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    // Meanwhile the core goes on sampling the container: rows after the visit began have its value.
    const sampledAway = async () => {
      const csv = (await rpc<{ csv: string }>('metrics.exportCsv', { series: [`container.${NAME}.cpu`], windowSeconds: 300 })).csv;
      return csv.trimEnd().split('\r\n').slice(1).map((l) => l.split(',')).filter(([t, v]) => Date.parse(t) > left && v !== '').length;
    };
    await expect.poll(sampledAway, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const away = await sampledAway();

    // Back on the Monitor: the chart shows those rows at once, no gap where the page was closed.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitor', exact: true }).click();
    await page.getByRole('radio', { name: '5 min', exact: true }).click();
    await expect.poll(async () => (await chart(page, 'Container CPU')).filled).toBeGreaterThanOrEqual(before + away);
    await page.close();
    await expect.poll(async () => (await status()).watchers, { timeout: 10_000 }).toBe(0);
  });

  it('the live strip shows CPU, RAM, VRAM and tokens/s on every page and updates', async () => {
    const page = await browser.newPage();
    await page.goto(`${served.openUrl}#/settings`);
    const strip = page.getByTestId('live-strip');
    await expect.poll(() => strip.locator('[data-metric="cpu"] .live-value').textContent(), { timeout: 20_000 }).toMatch(/^\d+(\.\d)? %$/);
    await expect.poll(() => strip.locator('[data-metric="ram"] .live-value').textContent()).toMatch(/(MiB|GiB)$/);
    if (host.gpus.length) await expect.poll(() => strip.locator('[data-metric="vram"] .live-value').textContent()).toMatch(/(MiB|GiB)$/);
    else expect(await strip.locator('[data-metric="vram"] .live-value').textContent()).toBe('no GPU');
    // Nothing is generating: no figure, or zero where a deployment on the daemon serves metrics.
    expect(await strip.locator('[data-metric="tps"] .live-value').textContent()).toMatch(/^(—|0\.0 tok\/s)$/);
    // The strip does not open Docker stats streams; only the Monitor page watches containers.
    const st = await status();
    expect(st.running).toBe(true);
    expect(st.scopes).not.toContain('containers');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview', exact: true }).click();
    await expect.poll(() => strip.locator('[data-metric="cpu"] .live-value').textContent()).toMatch(/%$/);
    await strip.click();
    await page.getByRole('heading', { name: 'Monitor', level: 1 }).waitFor();
    await page.close();
  });

  it('while a chat streams from the real engine, the tokens/s chart moves (chat stream and engine counter)', async () => {
    engine = await spawnEngine({ modelDir: path.join(ROOT, 'resources', 'models', TINY_MODEL_ID) });
    const backend = await rpc<{ id: string }>('chat.addBackend', { label: 'Tiny engine', baseUrl: engine.url, kind: 'openai' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/monitor`);
    const table = page.getByRole('table', { name: 'Current values' });
    // The engine is found through the chat backends and scraped at its /metrics.
    await table.getByRole('row', { name: /Tiny engine tokens\/s/ }).waitFor({ timeout: 30_000 });
    await expect.poll(() => table.getByRole('row', { name: /Tiny engine requests running/ }).locator('td').first().textContent()).toBe('0');

    const conv = await rpc<{ id: string }>('chat.create', { backendId: backend.id, params: { temperature: 2, seed: 7, max_tokens: 400 } });
    const maxOf = (name: RegExp) => table.getByRole('row', { name }).locator('td').nth(2).textContent();
    // Three replies one after the other (each sent once the conversation takes a new message), so
    // the counters see tokens over several samples.
    const sent = async (content: string) =>
      rpc('chat.send', { conversationId: conv.id, content }).then(
        () => true,
        (e: Error) => (/still streaming/.test(e.message) ? false : Promise.reject(e)),
      );
    for (let i = 0; i < 3; i++) await expect.poll(() => sent(`Tell me a long story, part ${i + 1}.`), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => maxOf(/Tiny engine tokens\/s/), { timeout: 20_000 }).toMatch(/^[1-9][\d.]* tok\/s$/);
    await expect.poll(() => maxOf(/Chat tokens\/s/), { timeout: 20_000 }).toMatch(/^[1-9][\d.]* tok\/s$/);
    // The engine's counter and the chat stream (plus any engine a deployment on the shared daemon serves).
    expect(Number(await page.locator('figure[data-chart="Tokens per second"]').getAttribute('data-series'))).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('after the server restarts, the page watches again and the charts resume by themselves', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/monitor`);
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    const port = Number(new URL(served.url).port);
    const token = new URL(served.openUrl).searchParams.get('token')!;
    await served.stop();
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toContain('Reconnecting');
    served = await startServe({ home: served.home, port, env: { SLM_DECK_TOKEN: token } });
    await expect.poll(() => page.getByTestId('connection-state').textContent(), { timeout: 15_000 }).toContain('Connected');
    // A new server has a new buffer: the page reloads it and keeps drawing.
    await expect.poll(async () => (await status()).watchers, { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeLessThan(6);
    const n = (await chart(page, 'CPU')).points;
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeGreaterThan(n);
    await page.close();
  });

  it('the sampling interval can be changed from the page; the charts restart on the new grid', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${served.openUrl}#/monitor`);
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
    const before = (await chart(page, 'CPU')).points;
    await page.getByLabel('Sample every').selectOption('500');
    await expect.poll(async () => (await rpc<{ intervalMs: number }>('metrics.status', {})).intervalMs).toBe(500);
    // A new buffer: fewer rows than before at first, then growing twice as fast.
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeLessThan(before);
    await expect.poll(async () => (await chart(page, 'CPU')).points, { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    const csv = await rpc<{ csv: string }>('metrics.exportCsv', { series: ['host.cpu'], windowSeconds: 60 });
    const times = csv.csv.trimEnd().split('\r\n').slice(1).map((l) => Date.parse(l.split(',')[0]));
    for (let i = 1; i < times.length; i++) expect(times[i] % 500).toBe(0);
    expect(times.filter((t, i) => i > 0 && t - times[i - 1] === 500).length).toBeGreaterThanOrEqual(times.length - 2);
    await page.getByLabel('Sample every').selectOption('1000');
    await expect.poll(async () => (await rpc<{ intervalMs: number }>('metrics.status', {})).intervalMs).toBe(1000);
    await page.close();
  });
});
