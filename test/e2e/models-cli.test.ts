import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { ROOT, tempHome } from '../helpers/serve';

/** The built `slm-deck` CLI against the Ollama fake, with its own SLM_DECK_HOME. */
let fake: OllamaFake;
let home: string;
beforeAll(async () => {
  fake = await startOllamaFake({ installed: ['phi4-mini'], pull: { intervalMs: 1 } });
  home = tempHome('slm-deck-cli-models-');
});
afterAll(() => fake.close());

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], { env: { ...process.env, SLM_DECK_HOME: home, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('slm-deck models and variant', () => {
  it('models list --json prints the installed models for --ollama URL', async () => {
    const r = await cli(['models', '--ollama', fake.url, 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'phi4-mini:latest', family: 'phi3', quantization: 'Q4_K_M' }]);
  });

  it('models pull shows the result and the model is listed afterwards', async () => {
    const r = await cli(['models', '--ollama', fake.url, 'pull', 'phi4-mini:3.8b-q8_0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pulled phi4-mini:3.8b-q8_0 (4.1 GB');
    expect(r.stdout).toContain('steps: Pulling manifest → Downloading → Verifying SHA-256 digest → Writing manifest → Done');
    expect((await cli(['models', '--ollama', fake.url, 'list'])).stdout).toMatch(/phi4-mini:3\.8b-q8_0\s+4\.1 GB/);
  });

  it('an unreachable Ollama is one error line and one hint line, exit code 1', async () => {
    const r = await cli(['models', '--ollama', 'http://127.0.0.1:9', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Listing models: Ollama is not answering at http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).toMatch(/\nhint: Start Ollama/);
  });

  it('variant create --file refuses a Modelfile with mistakes, listing each as file:line:col', async () => {
    const file = path.join(home, 'bad.Modelfile');
    await fs.writeFile(file, 'FROM phi4-mini\nPARAMETER temprature 0.3\nSYSTEM "hi" there\n');
    const r = await cli(['variant', '--ollama', fake.url, 'create', 'bad', '--file', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:2:11: error: Unknown parameter "temprature"`);
    expect(r.stderr).toContain('hint: Did you mean temperature?');
    expect(r.stderr).toContain(`${file}:3:13: error: Unexpected text after the closing "`);
    expect(fake.findModel('bad')).toBeUndefined();
  });

  it('variant create --file: a relative ADAPTER path is the file next to the Modelfile, and is saved absolute', async () => {
    const dir = path.join(home, 'my-finetune');
    await fs.mkdir(dir, { recursive: true });
    const gguf = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(32, 3)]);
    await fs.writeFile(path.join(dir, 'lora.gguf'), gguf);
    await fs.writeFile(path.join(dir, 'Modelfile'), '# my adapter\nFROM phi4-mini\nADAPTER ./lora.gguf\n');
    const r = await cli(['variant', '--ollama', fake.url, 'create', 'tuned', '--file', path.join(dir, 'Modelfile')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created tuned in Ollama from v1');
    expect(fake.blobs.get(`sha256:${createHash('sha256').update(gguf).digest('hex')}`)?.equals(gguf)).toBe(true);
    expect((await cli(['variant', 'show', 'tuned'])).stdout).toBe(`# my adapter\nFROM phi4-mini\nADAPTER ${path.join(dir, 'lora.gguf')}\n`);
  });

  it('variant create --file creates it in Ollama; export and import carry it to another home', async () => {
    const file = path.join(home, 'coder.Modelfile');
    await fs.writeFile(file, 'FROM phi4-mini\nPARAMETER temperature 0.5\nPARAMETER top_p 0.9\nSYSTEM """Write clean code."""\n');
    const r = await cli(['variant', '--ollama', fake.url, 'create', 'coder', '--file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created coder in Ollama from v1');
    expect(fake.findModel('coder')?.parameters).toMatchObject({ temperature: 0.5, top_p: 0.9 });

    const out = path.join(home, 'coder.json');
    expect((await cli(['variant', 'export', 'coder', '--out', out])).code).toBe(0);
    const other = tempHome('slm-deck-cli-models-other-');
    const imp = await cli(['variant', 'import', out], { SLM_DECK_HOME: other });
    expect(imp.stdout).toContain('imported coder (1 version)');
    const shown = await cli(['variant', 'show', 'coder'], { SLM_DECK_HOME: other });
    expect(shown.stdout).toBe(await fs.readFile(file, 'utf8'));

    // A second version; --rev picks a saved one to show or to create from.
    await fs.writeFile(file, 'FROM phi4-mini\nPARAMETER temperature 0.1\n');
    expect((await cli(['variant', 'save', 'coder', '--file', file])).stdout).toContain('coder: saved v2');
    expect((await cli(['variant', 'show', 'coder', '--rev', '1'])).stdout).toContain('PARAMETER temperature 0.5');
    const again = await cli(['variant', '--ollama', fake.url, 'create', 'coder', '--rev', '1']);
    expect(again.stdout).toContain('created coder in Ollama from v1');
    expect(fake.findModel('coder')?.parameters).toMatchObject({ temperature: 0.5 });
  });
});
