import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';
import { coreFor, type FakeOptions, ollamaFixture, type TestCore } from './ollama-helpers';

let fake: OllamaFake;
let t: TestCore;
const fixture = ollamaFixture({ installed: ['phi4-mini'] });
const setup = async (opts?: FakeOptions) => ({ fake, t } = await fixture.setup(opts));

const createBodies = () => fake.requests.filter((r) => r.path === '/api/create').map((r) => r.body as Record<string, unknown>);

async function createdFromTemplate(id: string) {
  const tpl = (await t.call('variants.templates', {})).find((x) => x.id === id)!;
  await t.call('variants.save', { name: id, text: tpl.text });
  const { taskId } = await t.call('variants.create', { name: id });
  return t.wait(taskId);
}

describe('Modelfile variants created in Ollama', () => {
  it('ships the reasoning, coder and tutor templates, each a valid Modelfile', async () => {
    await setup();
    const tpls = await t.call('variants.templates', {});
    expect(tpls.map((x) => x.id)).toEqual(['phi4-mini-coder', 'phi4-mini-stepwise', 'phi4-mini-tutor']);
    for (const x of tpls) {
      expect(x.title).toBeTruthy();
      expect((await t.call('variants.validate', { text: x.text })).diagnostics).toEqual([]);
    }
    const reasoning = await t.call('variants.validate', { text: tpls[1].text });
    expect(reasoning.request).toMatchObject({ from: 'phi4-mini', parameters: { temperature: 0.3, top_p: 0.8 } });
  });

  it('creates the reasoning variant through the structured request, never a modelfile string', async () => {
    await setup();
    const changed = t.events('ollama.changed');
    const done = await createdFromTemplate('phi4-mini-stepwise');
    expect(done.state).toBe('succeeded');
    expect((done.result as { steps: string[] }).steps).toEqual(['Using existing layers', 'Writing new layers', 'Writing manifest', 'Done']);
    const body = createBodies()[0];
    expect(body).not.toHaveProperty('modelfile');
    expect(body).toMatchObject({ model: 'phi4-mini-stepwise', from: 'phi4-mini', parameters: { temperature: 0.3, top_p: 0.8 }, stream: true });
    expect(String(body.system)).toMatch(/^You are a careful reasoning assistant/);
    // Ollama now has it, with the base's stop sequences kept and the new parameters set.
    const shown = await t.call('ollama.show', { model: 'phi4-mini-stepwise' });
    expect(shown.parameters).toEqual({ stop: ['<|end|>', '<|user|>', '<|assistant|>'], temperature: 0.3, top_p: 0.8 });
    expect(shown.system).toBe(String(body.system));
    const list = await t.call('ollama.list', {});
    expect(list.find((m) => m.name === 'phi4-mini-stepwise:latest')).toMatchObject({ variant: true, family: 'phi3' });
    expect(changed.at(-1)).toEqual({ url: fake.url, reason: 'created', model: 'phi4-mini-stepwise' });
    expect((await t.call('variants.list', {}))[0].created).toMatchObject({ version: 1, url: fake.url });
  });

  it('keeps versions: saving the same text again is unchanged, an edit is v2, and Update re-creates it', async () => {
    await setup();
    await createdFromTemplate('phi4-mini-coder');
    const v1 = await t.call('variants.get', { name: 'phi4-mini-coder' });
    expect(await t.call('variants.save', { name: 'phi4-mini-coder', text: v1.text })).toEqual({ name: 'phi4-mini-coder', version: 1, unchanged: true });
    const v2text = v1.text.replace('PARAMETER temperature 0.5', 'PARAMETER temperature 0.4\nPARAMETER num_ctx 8192');
    expect(await t.call('variants.save', { name: 'phi4-mini-coder', text: v2text, note: 'cooler' })).toEqual({ name: 'phi4-mini-coder', version: 2, unchanged: false });
    const { taskId } = await t.call('variants.create', { name: 'phi4-mini-coder' });
    expect(t.core.tasks.get(taskId)?.title).toBe('Update phi4-mini-coder (v2)');
    expect((await t.wait(taskId)).state).toBe('succeeded');
    expect((await t.call('ollama.show', { model: 'phi4-mini-coder' })).parameters).toMatchObject({ temperature: 0.4, num_ctx: 8192 });
    const files = (await fs.readdir(path.join(t.home, 'variants', 'phi4-mini-coder'))).sort();
    expect(files).toEqual(['v1.Modelfile', 'v2.Modelfile', 'variant.json']);

    const diff = await t.call('variants.diffVersions', { name: 'phi4-mini-coder', from: 1, to: 2 });
    expect(diff.parameters.filter((r) => r.status !== 'same')).toEqual([
      { key: 'temperature', left: '0.5', right: '0.4', status: 'changed' },
      { key: 'num_ctx', right: '8192', status: 'added' },
    ]);
    expect(diff.lines.filter((l) => l.op !== 'same')).toEqual([
      { op: 'remove', text: 'PARAMETER temperature 0.5' },
      { op: 'add', text: 'PARAMETER temperature 0.4' },
      { op: 'add', text: 'PARAMETER num_ctx 8192' },
    ]);
  });

  it("diffs a variant against its base model's parameters as Ollama reports them", async () => {
    await setup();
    await createdFromTemplate('phi4-mini-stepwise');
    const d = await t.call('variants.diffBase', { name: 'phi4-mini-stepwise' });
    expect(d.leftLabel).toBe('phi4-mini');
    expect(d.parameters).toEqual([
      { key: 'temperature', right: '0.3', leftDefault: '0.8', status: 'added' },
      { key: 'top_p', right: '0.8', leftDefault: '0.9', status: 'added' },
      { key: 'stop', left: '"<|end|>", "<|user|>", "<|assistant|>"', status: 'inherited' },
    ]);
    expect(d.fields.find((f) => f.field === 'system')).toMatchObject({ changed: true });
    expect(d.fields.find((f) => f.field === 'template')).toMatchObject({ changed: false });
  });

  it('refuses to save a Modelfile with mistakes and returns each one with line and column', async () => {
    await setup();
    const env = await t.raw('variants.save', { name: 'broken', text: 'FROM phi4-mini\nPARAMETER temperature hot\nPARAMETER top-p 0.9\n' });
    expect(env).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (env.ok) return;
    expect(env.error.message).toContain('2 mistakes: line 2, column 23');
    const details = env.error.details as Array<{ line: number; column: number; code: string }>;
    expect(details.map((d) => [d.line, d.column, d.code])).toEqual([
      [2, 23, 'invalid-parameter-value'],
      [3, 11, 'invalid-parameter-name'],
    ]);
    expect(await t.call('variants.list', {})).toEqual([]);
    expect(createBodies()).toEqual([]);
  });

  it('a base model that is not installed is pulled by Ollama as part of create', async () => {
    await setup({ installed: [], pull: { intervalMs: 1 } });
    await t.call('variants.save', { name: 'q8-reasoner', text: 'FROM phi4-mini:3.8b-q8_0\nPARAMETER temperature 0.2\n' });
    const done = await t.wait((await t.call('variants.create', { name: 'q8-reasoner' })).taskId);
    expect(done.state).toBe('succeeded');
    expect((done.result as { steps: string[] }).steps).toEqual(expect.arrayContaining(['Pulling manifest', 'Downloading', 'Writing manifest']));
    expect((await t.call('ollama.list', {})).map((m) => m.name).sort()).toEqual(['phi4-mini:3.8b-q8_0', 'q8-reasoner:latest']);
  });

  it('a base the library does not know fails the task with not_found', async () => {
    await setup();
    await t.call('variants.save', { name: 'orphan', text: 'FROM phi9-tiny\n' });
    const done = await t.wait((await t.call('variants.create', { name: 'orphan' })).taskId);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'not_found' } });
  });

  it('uploads a local ADAPTER file as a blob and sends its digest', async () => {
    await setup();
    const gguf = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 7)]);
    const digest = `sha256:${createHash('sha256').update(gguf).digest('hex')}`;
    await t.call('variants.save', { name: 'tuned', text: 'FROM phi4-mini\nADAPTER ./lora.gguf\n' });
    await fs.writeFile(path.join(t.home, 'variants', 'tuned', 'lora.gguf'), gguf);
    const done = await t.wait((await t.call('variants.create', { name: 'tuned' })).taskId);
    expect(done.state).toBe('succeeded');
    expect(fake.blobs.get(digest)?.equals(gguf)).toBe(true);
    expect(createBodies()[0]).toMatchObject({ from: 'phi4-mini', adapters: { 'lora.gguf': digest } });
    // A second create finds the blob on the server and does not upload it again.
    await t.call('variants.save', { name: 'tuned', text: 'FROM phi4-mini\nADAPTER ./lora.gguf\nPARAMETER seed 1\n' });
    await t.wait((await t.call('variants.create', { name: 'tuned' })).taskId);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/blobs/'))).toHaveLength(1);
  });

  it('a missing ADAPTER file is named with the path that was tried', async () => {
    await setup();
    await t.call('variants.save', { name: 'tuned', text: 'FROM phi4-mini\nADAPTER ./missing.gguf\n' });
    const done = await t.wait((await t.call('variants.create', { name: 'tuned' })).taskId);
    expect(done).toMatchObject({ state: 'failed', error: { code: 'not_found' } });
    expect(done.error?.message).toContain(path.join(t.home, 'variants', 'tuned', 'missing.gguf'));
  });

  it('exports a variant with its versions and re-creates it on another machine', async () => {
    await setup();
    await createdFromTemplate('phi4-mini-tutor');
    const v1 = await t.call('variants.get', { name: 'phi4-mini-tutor' });
    await t.call('variants.save', { name: 'phi4-mini-tutor', text: v1.text + 'PARAMETER num_ctx 4096\n' });
    const { fileName, bundle } = await t.call('variants.export', { name: 'phi4-mini-tutor' });
    expect(fileName).toBe('phi4-mini-tutor.slm-variant.json');

    // Another home and another Ollama: a second machine.
    const other = await startOllamaFake({ installed: ['phi4-mini'] });
    const t2 = await coreFor(other.url);
    fixture.later(() => other.close(), () => t2.core.close());
    const imported = await t2.call('variants.import', { bundle });
    expect(imported).toMatchObject({ name: 'phi4-mini-tutor', latestVersion: 2 });
    expect((await t2.call('variants.get', { name: 'phi4-mini-tutor', version: 1 })).text).toBe(v1.text);
    const done = await t2.wait((await t2.call('variants.create', { name: 'phi4-mini-tutor' })).taskId);
    expect(done.state).toBe('succeeded');
    expect((await t2.call('ollama.show', { model: 'phi4-mini-tutor' })).parameters).toMatchObject({ num_ctx: 4096, temperature: 0.6 });

    expect(await t2.raw('variants.import', { bundle })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await t2.call('variants.import', { bundle, name: 'tutor-copy' })).toMatchObject({ name: 'tutor-copy', latestVersion: 2 });
    expect(await t2.raw('variants.import', { bundle: '{"format":"something-else"}' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await t2.call('variants.import', { bundle: 'FROM phi4-mini\nSYSTEM Hi.\n', name: 'plain' })).toMatchObject({ name: 'plain', latestVersion: 1 });
  });

  it('a variant survives a lost variant.json: versions are rebuilt from the files', async () => {
    await setup();
    await t.call('variants.save', { name: 'sturdy', text: 'FROM phi4-mini\n' });
    await t.call('variants.save', { name: 'sturdy', text: 'FROM phi4-mini\nPARAMETER seed 3\n' });
    await fs.writeFile(path.join(t.home, 'variants', 'sturdy', 'variant.json'), '{ not json');
    const list = await t.call('variants.list', {});
    expect(list).toMatchObject([{ name: 'sturdy', latestVersion: 2 }]);
    expect((await t.call('variants.get', { name: 'sturdy' })).text).toContain('seed 3');
  });
});
