import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { type FakeOptions, ollamaFixture, type TestCore } from './ollama-helpers';

let fake: OllamaFake;
let t: TestCore;
const fixture = ollamaFixture({ installed: ['phi4-mini'] });
const setup = async (opts?: FakeOptions) => ({ fake, t } = await fixture.setup(opts));

describe('ollama models against the protocol fake', () => {
  it('reports the endpoint as reachable, with its version', async () => {
    await setup({ installed: [], version: '0.12.6' });
    expect(await t.call('ollama.status', {})).toEqual({ url: fake.url, reachable: true, version: '0.12.6' });
  });

  it('explains an endpoint where nothing answers, with what to do', async () => {
    await setup();
    const url = fake.url;
    await fake.close();
    const s = await t.call('ollama.status', {});
    expect(s).toMatchObject({ url, reachable: false, error: { code: 'server_unreachable' } });
    expect(s.error?.message).toContain('nothing is listening there');
    expect(s.error?.hint).toMatch(/ollama serve/);
    expect(s.error?.hint).toMatch(/Deploy page/);
    const env = await t.raw('ollama.list', {});
    expect(env).toMatchObject({ ok: false, error: { code: 'server_unreachable' } });
  });

  it('lists installed models with size, family, parameter size and quantisation', async () => {
    await setup();
    const list = await t.call('ollama.list', {});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'phi4-mini:latest', family: 'phi3', parameterSize: '3.8B', quantization: 'Q4_K_M', format: 'gguf', variant: false });
    expect(list[0].sizeBytes).toBeGreaterThan(2_400_000_000);
  });

  it('shows parameters, template, capabilities and the context length from model_info', async () => {
    await setup();
    const m = await t.call('ollama.show', { model: 'phi4-mini' });
    expect(m.parameters).toEqual({ stop: ['<|end|>', '<|user|>', '<|assistant|>'] });
    expect(m.contextLength).toBe(131072);
    expect(m.architecture).toBe('phi3');
    expect(m.capabilities).toEqual(['completion', 'tools']);
    expect(m.template).toContain('<|assistant|>');
    expect(m.license).toContain('MIT');
    expect(m.modelfile).toContain('PARAMETER stop <|end|>');
  });

  it('a model that is not installed is not_found, with a hint', async () => {
    await setup();
    const env = await t.raw('ollama.show', { model: 'llama3.2' });
    expect(env).toMatchObject({ ok: false, error: { code: 'not_found' } });
    if (!env.ok) {
      expect(env.error.message).toContain("model 'llama3.2' not found");
      expect(env.error.hint).toMatch(/pull/);
    }
  });

  it('deletes a model and announces it; deleting it again is not_found', async () => {
    await setup();
    const changed = t.events('ollama.changed');
    expect(await t.call('ollama.delete', { model: 'phi4-mini' })).toEqual({ deleted: 'phi4-mini' });
    expect(await t.call('ollama.list', {})).toEqual([]);
    expect(changed).toEqual([{ url: fake.url, reason: 'deleted', model: 'phi4-mini' }]);
    expect(await t.raw('ollama.delete', { model: 'phi4-mini' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('copies a model under another name', async () => {
    await setup();
    await t.call('ollama.copy', { source: 'phi4-mini', destination: 'phi4-mini-backup' });
    expect((await t.call('ollama.list', {})).map((m) => m.name).sort()).toEqual(['phi4-mini-backup:latest', 'phi4-mini:latest']);
    expect(await t.raw('ollama.copy', { source: 'nope', destination: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('lists loaded models with the RAM/VRAM split and unloads them with keep_alive 0', async () => {
    await setup({ installed: ['phi4-mini'], vramFraction: 0.25 });
    // A chat request loads the model, as in real use.
    await fetch(`${fake.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'phi4-mini', messages: [], options: { num_ctx: 8192 } }) });
    const ps = await t.call('ollama.ps', {});
    expect(ps).toHaveLength(1);
    expect(ps[0].name).toBe('phi4-mini:latest');
    expect(ps[0].contextLength).toBe(8192);
    expect(ps[0].vramBytes + ps[0].ramBytes).toBe(ps[0].sizeBytes);
    expect(ps[0].vramBytes).toBe(Math.round(ps[0].sizeBytes * 0.25));
    expect(Date.parse(ps[0].expiresAt)).toBeGreaterThan(Date.now());
    await t.call('ollama.unload', { model: 'phi4-mini:latest' });
    expect(await t.call('ollama.ps', {})).toEqual([]);
    expect(fake.requests.at(-2)).toMatchObject({ path: '/api/generate', body: { model: 'phi4-mini:latest', keep_alive: 0 } });
  });

  it('a per-call URL overrides the setting', async () => {
    await setup();
    const other = await startOllamaFake({ installed: ['qwen3:0.6b'] });
    fixture.later(() => other.close());
    expect((await t.call('ollama.list', { url: other.url })).map((m) => m.name)).toEqual(['qwen3:0.6b']);
    expect((await t.call('ollama.list', {})).map((m) => m.name)).toEqual(['phi4-mini:latest']);
  });

  it('a server that is not Ollama is named as such, not crashed on', async () => {
    await setup();
    const html = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>router admin</html>');
    });
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', () => r()));
    fixture.later(() => new Promise((r) => html.close(r)));
    const url = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
    const env = await t.raw('ollama.list', { url });
    expect(env).toMatchObject({ ok: false, error: { code: 'server_error' } });
    if (!env.ok) expect(env.error.message).toContain('does not understand');
  });

  it('rejects malformed input before calling Ollama', async () => {
    await setup();
    const before = fake.requests.length;
    expect(await t.raw('ollama.show', { model: 'bad name with spaces' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await t.raw('ollama.list', { url: 'not a url' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(fake.requests.length).toBe(before);
  });

  it('suggests the Phi-4-mini quantisations with sizes and marks the installed one', async () => {
    await setup({ installed: ['phi4-mini:3.8b-q8_0'] });
    const s = await t.call('ollama.suggestions', {});
    expect(s.map((x) => [x.model, x.sizeBytes, x.installed])).toEqual([
      ['phi4-mini:3.8b-q4_K_M', 2_500_000_000, false],
      ['phi4-mini:3.8b-q8_0', 4_100_000_000, true],
      ['phi4-mini:3.8b-fp16', 7_700_000_000, false],
    ]);
    expect(s[0].recommended).toBe(true);
    // The planner judges each form on this machine.
    for (const x of s) expect(x.fit?.reason).toBeTruthy();
  });
});
