// Monitor page render cost: 8 series x 900 points (a full 15-minute buffer at 1 Hz) in four
// uPlot charts, one row appended per update, in Debian's Chromium (software canvas). Prints
// one JSON object; target: p95 frame time under 16 ms.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { launchBrowser } from '../helpers/browser';
import { ROOT } from '../helpers/serve';

const UPDATES = 240;
const SPACING_MS = 50;
const TARGET_P95_MS = 16;

interface BenchResult {
  frameMs: number[];
  scriptMs: number[];
  points: number;
  series: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const round = (v: number) => Math.round(v * 100) / 100;

const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-render-bench-'));
await build({
  entryPoints: [path.join(ROOT, 'renderer/src/features/monitor/bench/render-bench.tsx')],
  bundle: true,
  outdir: dir,
  entryNames: 'bench',
  format: 'esm',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
writeFileSync(
  path.join(dir, 'index.html'),
  '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="bench.css"></head><body><div id="root"></div><script type="module" src="bench.js"></script></body></html>',
);

const server = http.createServer((req, res) => {
  const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html');
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
  res.writeHead(200, { 'Content-Type': type }).end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`;

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(url);
  // Page-side code is written as strings: this file is type-checked for Node, without DOM types.
  await page.waitForFunction("typeof window.runBench === 'function' && document.querySelectorAll('figure[data-chart] canvas').length === 4");
  const run = (updates: number, idle: boolean) => page.evaluate<BenchResult>(`window.runBench(${updates}, ${SPACING_MS}, ${idle})`);
  // Warm-up (JIT, first layout), then the measured runs.
  await run(20, false);
  const idle = await run(UPDATES, true);
  const r = await run(UPDATES, false);
  const p95 = pct(r.frameMs, 95);
  const result = {
    bench: 'metrics-render',
    series: r.series,
    pointsPerSeries: r.points,
    updates: UPDATES,
    frameMs: { p50: round(pct(r.frameMs, 50)), p95: round(p95), max: round(Math.max(...r.frameMs)) },
    idleFrameMs: { p50: round(pct(idle.frameMs, 50)), p95: round(pct(idle.frameMs, 95)) },
    scriptMs: { p50: round(pct(r.scriptMs, 50)), p95: round(pct(r.scriptMs, 95)) },
    targetP95Ms: TARGET_P95_MS,
    pass: p95 < TARGET_P95_MS && r.series === 8 && r.points === 900,
    browser: browser.version(),
    // Other processes on a small machine show up as p95 spikes; the load says how busy it was.
    loadAvg1: os.loadavg()[0],
    cpus: os.cpus().length,
  };
  console.log(JSON.stringify(result));
  process.exitCode = result.pass ? 0 : 1;
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
