import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { BenchRun, BenchRunSummary } from '../../electron/shared/contract/bench';
import { ROOT, tempHome } from '../helpers/serve';
import { parseCsv } from '../unit/bench-parse';

/** `slm-deck bench` (built CLI, `node scripts/build.js` first) against the real engine with the tiny model. */
const MODEL_DIR = path.join(ROOT, 'resources', 'models', TINY_MODEL_ID);
let engine: EngineProcess;
let home: string;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], { env: { ...process.env, SLM_DECK_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  engine = await spawnEngine({ modelDir: MODEL_DIR });
  home = tempHome('slm-deck-bench-cli-');
});
afterAll(async () => {
  await engine?.stop();
});

describe('slm-deck bench', () => {
  it('runs a suite file against a URL and prints the run as JSON; list and export find it', async () => {
    const suite = path.join(home, 'suite.jsonl');
    writeFileSync(suite, '{"id":"hi","prompt":"Hello! Who are you?"}\n{"id":"math","prompt":"What is 2 + 2?"}\n');
    const r = await cli(['--json', 'bench', '--backend', engine.url, '--suite', suite, '--runs', '2', '--concurrency', '1,2', '--max-tokens', '16', '--name', 'cli run']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as BenchRun;
    expect(run.config).toMatchObject({ name: 'cli run', runs: 2, concurrency: [1, 2], maxTokens: 16 });
    expect(run.config.prompts.map((p) => p.id)).toEqual(['hi', 'math']);
    expect(run.backends[0]).toMatchObject({ baseUrl: `${engine.url}/v1`, family: 'onnx', status: 'ok' });
    expect(run.cells.map((c) => [c.concurrency, c.sent, c.ok])).toEqual([
      [1, 4, 4],
      [2, 4, 4],
    ]);

    const list = await cli(['--json', 'bench', 'list']);
    expect((JSON.parse(list.stdout) as BenchRunSummary[]).map((s) => s.id)).toEqual([run.id]);

    const csv = await cli(['bench', 'export', run.id, '--format', 'csv']);
    const rows = parseCsv(csv.stdout);
    expect(rows).toHaveLength(3);
    expect(Number(rows[1][rows[0].indexOf('ttft_p50_ms')])).toBe(run.cells[0].ttftP50Ms);

    const md = await cli(['bench', 'show', run.id]);
    expect(md.stdout).toContain('# Benchmark: cli run');
    expect(md.stdout).toContain('| Performance (CPU) | **');
  });

  it('names what is wrong: no backend, an unknown one, a bad suite', async () => {
    const none = await cli(['bench']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('error: Which backends? Pass --backend once per backend.');
    const unknown = await cli(['bench', '--backend', 'nope']);
    expect(unknown.stderr).toMatch(/error: No backend "nope"\.\nhint: Known backends: .*ollama/);
    const bad = path.join(home, 'bad.jsonl');
    writeFileSync(bad, '{"prompt":"ok"}\n{"question":"no"}\n');
    const suite = await cli(['bench', '--backend', engine.url, '--suite', bad]);
    expect(suite.stderr).toContain('error: Line 2 of the suite has no prompt.');
  });
});
