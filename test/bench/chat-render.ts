/**
 * Does the Playground keep up with a fast stream? `slm-deck serve` in Chromium chats with the
 * engine (tiny demo model, EOS ignored, so the reply runs to BENCH_TOKENS) streaming well over
 * 1,000 tokens/s. While the reply streams, the page records the time between animation frames
 * and the long tasks (over 50 ms) the browser reports. Prints p50/p95/max frame time, long
 * tasks and the stream's own speed as one JSON object. Needs `node scripts/build.js` first.
 *
 *   node --import tsx test/bench/chat-render.ts     env: BENCH_TOKENS=3000
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnEngine } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import { launchBrowser } from '../helpers/browser';
import { startServe, tempHome } from '../helpers/serve';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 3000);
/** At least 1,000 tokens/s in; at most one missed 60 Hz frame at p95 and no long task out. */
const TARGET = { minTokensPerSec: 1000, p95FrameMs: 33.4, longTasks: 0 };

const engine = await spawnEngine({ modelDir: '', entry: path.join(import.meta.dirname, '_chat-bench-engine.ts') });
const home = tempHome('slm-deck-render-bench-');
writeFileSync(
  path.join(home, 'chat-backends.json'),
  JSON.stringify({ version: 1, backends: [{ id: 'custom:bench', label: 'bench engine', baseUrl: `${engine.url}/v1`, kind: 'openai', model: TINY_MODEL_ID }] }),
);
const served = await startServe({ home });
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${served.openUrl}#/playground`);
await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor();
await page.getByLabel('Backend', { exact: true }).selectOption({ label: 'bench engine' });
await page.getByLabel('Max tokens').fill(String(TOKENS));
await page.getByLabel('Max tokens').press('Enter');

// Frame and long-task recorder, running in the page from before the send until the reply is done.
// (A string, not a function: tsx's name helpers do not exist in the page.)
await page.evaluate(`(() => {
  const b = (window.__bench = { frames: [], longTasks: [], on: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longTasks.push(e.duration);
  }).observe({ entryTypes: ['longtask'] });
  let last = performance.now();
  const tick = (t) => {
    if (!b.on) return;
    b.frames.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`);

const box = page.getByRole('textbox', { name: 'Message' });
await box.fill('Hello! Who are you?');
await box.press('Enter');
const reply = page.getByTestId('transcript').getByTestId('message-assistant').last();
await reply.and(page.locator('[data-status="streaming"]')).waitFor();
await reply.and(page.locator('[data-status="done"]')).waitFor({ timeout: 120_000 });
const rec = (await page.evaluate('(() => { window.__bench.on = false; return window.__bench; })()')) as { frames: number[]; longTasks: number[] };
const stats = (await reply.getByTestId('stats').textContent()) ?? '';
const shown = ((await reply.locator('.md').textContent()) ?? '').length;

const sorted = [...rec.frames].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const r1 = (x: number) => Math.round(x * 10) / 10;
// The engine's decode speed as the stats line shows it, e.g. "2432.1 tok/s".
const tokensPerSec = Number(/([\d.]+) tok\/s/.exec(stats)?.[1] ?? NaN);
const result = {
  tokens: TOKENS,
  tokensPerSec: r1(tokensPerSec),
  charactersShown: shown,
  frames: rec.frames.length,
  frameMs: { p50: r1(pct(50)), p95: r1(pct(95)), max: r1(sorted.at(-1) ?? 0) },
  longTasks: { count: rec.longTasks.length, maxMs: r1(Math.max(0, ...rec.longTasks)) },
  target: TARGET,
  meetsTarget: tokensPerSec >= TARGET.minTokensPerSec && pct(95) <= TARGET.p95FrameMs && rec.longTasks.length <= TARGET.longTasks,
};

await browser.close();
await served.stop();
await engine.stop();
console.log(JSON.stringify(result));
process.exit(0);
