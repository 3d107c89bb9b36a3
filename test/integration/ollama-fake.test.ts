import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaFake, type OllamaFake } from '../fakes/ollama';

/**
 * The fake must refuse what real Ollama refuses, the way it refuses it (status, body shape,
 * message), or tests against it prove nothing. Each expectation cites the behaviour of
 * ollama/ollama server/routes.go or docs/api.md.
 */
let fake: OllamaFake;
beforeAll(async () => {
  fake = await startOllamaFake({ installed: ['phi4-mini', 'qwen3:0.6b'] });
});
afterAll(() => fake.close());

const post = (path: string, body: unknown, method = 'POST') =>
  fetch(`${fake.url}${path}`, { method, body: typeof body === 'string' ? body : JSON.stringify(body) });
interface Answer {
  error?: string;
  status?: string;
  message: { role: string; content: string; thinking?: string; tool_calls?: unknown[] };
  done_reason?: string;
  eval_count?: number;
  models: Array<{ name: string }>;
}
const json = async (r: Response): Promise<Answer> => (await r.json()) as Answer;
const lines = async (r: Response) =>
  (await r.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the Ollama fake refuses what Ollama refuses', () => {
  it('a create request with only a `modelfile` string is refused since 0.5.5', async () => {
    const r = await post('/api/create', { model: 'mario', modelfile: 'FROM phi4-mini\nSYSTEM You are Mario.' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json(r)).toEqual({ error: "neither 'from' or 'files' was specified" });
    expect(fake.findModel('mario')).toBeUndefined();
  });

  it('a `modelfile` next to `from` is ignored, not applied', async () => {
    const r = await post('/api/create', { model: 'mario2', from: 'phi4-mini', modelfile: 'FROM phi4-mini\nSYSTEM You are Mario.', stream: false });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ status: 'success' });
    expect(fake.findModel('mario2')?.system).toBe('');
  });

  it('bad names, missing bodies and wrong types are 400s with gin/Go messages', async () => {
    expect(await json(await post('/api/create', { model: 'bad name', from: 'phi4-mini' }))).toEqual({ error: 'invalid model name' });
    const empty = await post('/api/show', '');
    expect([empty.status, await json(empty)]).toEqual([400, { error: 'missing request body' }]);
    const typed = await post('/api/create', { model: 42, from: 'phi4-mini' });
    expect(typed.status).toBe(400);
    expect((await json(typed)).error).toMatch(/cannot unmarshal number into Go struct field CreateRequest.model of type string/);
  });

  it('unknown models: show and delete answer 404, copy quotes the name like Go', async () => {
    const show = await post('/api/show', { model: 'nope' });
    expect([show.status, await json(show)]).toEqual([404, { error: "model 'nope' not found" }]);
    const del = await post('/api/delete', { model: 'nope' }, 'DELETE');
    expect([del.status, await json(del)]).toEqual([404, { error: "model 'nope' not found" }]);
    const copy = await post('/api/copy', { source: 'nope', destination: 'x' });
    expect([copy.status, await json(copy)]).toEqual([404, { error: 'model "nope" not found' }]);
  });

  it('pulling an unknown model: 200, a manifest line, then an error line', async () => {
    const r = await post('/api/pull', { model: 'phi5-mega' });
    expect(r.status).toBe(200);
    expect(await lines(r)).toEqual([{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }]);
  });

  it('a template that does not parse is refused as a template error', async () => {
    const r = await post('/api/create', { model: 't', from: 'phi4-mini', template: '{{ if .System }}{{ .System }}', stream: false });
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatch(/^template error: /);
  });

  it('a blob whose content does not match its digest is refused', async () => {
    const r = await post(`/api/blobs/sha256:${'0'.repeat(64)}`, 'GGUF...');
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatch(/^digest mismatch/);
  });

  it('unknown routes are gin 404s, wrong methods 405s', async () => {
    const r = await fetch(`${fake.url}/api/nothing`);
    expect([r.status, await r.text()]).toEqual([404, '404 page not found']);
    expect((await fetch(`${fake.url}/api/pull`)).status).toBe(405);
  });

  it('thinking on a model without the capability is a 400', async () => {
    const r = await post('/api/chat', { model: 'phi4-mini', messages: [{ role: 'user', content: 'hi' }], think: true });
    expect([r.status, await json(r)]).toEqual([400, { error: '"phi4-mini" does not support thinking' }]);
  });

  it('keep_alive must be seconds or a Go duration', async () => {
    const r = await post('/api/generate', { model: 'phi4-mini', keep_alive: '5' });
    expect([r.status, await json(r)]).toEqual([400, { error: 'time: missing unit in duration "5"' }]);
  });
});

describe('the Ollama fake answers chat like Ollama, deterministically', () => {
  it('streams NDJSON chunks and a final line with nanosecond durations and counts', async () => {
    const r = await post('/api/chat', { model: 'phi4-mini', messages: [{ role: 'user', content: 'two plus two' }] });
    expect(r.headers.get('content-type')).toBe('application/x-ndjson');
    const ls = await lines(r);
    const text = ls.filter((l) => !l.done).map((l) => (l.message as { content: string }).content).join('');
    expect(text).toBe('You said: two plus two');
    const last = ls.at(-1)!;
    expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: 5, eval_duration: 5 * 25_000_000 });
    expect(last.total_duration).toBe((last.load_duration as number) + (last.prompt_eval_duration as number) + (last.eval_duration as number));
    expect(Number.isInteger(last.prompt_eval_count)).toBe(true);
  });

  it('scripted tool calls carry arguments as an object, only for offered tools', async () => {
    fake.script({ toolCalls: [{ name: 'calculate_circle_area', arguments: { radius: 5 } }] });
    const tools = [{ type: 'function', function: { name: 'calculate_circle_area', parameters: { type: 'object', properties: { radius: { type: 'number' } } } } }];
    const r = await post('/api/chat', { model: 'phi4-mini', messages: [{ role: 'user', content: 'area r=5' }], tools, stream: false });
    const body = await json(r);
    expect(body.message.tool_calls).toEqual([{ id: 'call_00000000', function: { index: 0, name: 'calculate_circle_area', arguments: { radius: 5 } } }]);
    expect(body.done_reason).toBe('stop');
  });

  it('thinking comes as message.thinking for a thinking model, and not when think is false', async () => {
    fake.script({ thinking: 'Add the numbers.', content: '4' }, { thinking: 'hidden', content: '4' });
    const on = await lines(await post('/api/chat', { model: 'qwen3:0.6b', messages: [{ role: 'user', content: '2+2?' }], think: true }));
    expect(on.map((l) => (l.message as { thinking?: string }).thinking ?? '').join('')).toBe('Add the numbers.');
    const off = await json(await post('/api/chat', { model: 'qwen3:0.6b', messages: [{ role: 'user', content: '2+2?' }], think: false, stream: false }));
    expect(off.message).toEqual({ role: 'assistant', content: '4' });
  });

  it('applies the model system prompt, stop sequences and num_predict', async () => {
    await post('/api/create', { model: 'terse', from: 'phi4-mini', system: 'Be terse.', stream: false });
    fake.script({ content: 'one two three STOP four' }, { content: 'a b c d e f' });
    const stopped = await json(await post('/api/chat', { model: 'terse', messages: [{ role: 'user', content: 'go' }], options: { stop: ['STOP'] }, stream: false }));
    expect([stopped.message.content, stopped.done_reason]).toEqual(['one two three ', 'stop']);
    const cut = await json(await post('/api/chat', { model: 'terse', messages: [{ role: 'user', content: 'go' }], options: { num_predict: 2 }, stream: false }));
    expect([cut.message.content, cut.done_reason, cut.eval_count]).toEqual(['a b', 'length', 2]);
    expect(fake.inferences.at(-1)?.messages[0]).toEqual({ role: 'system', content: 'Be terse.' });
  });

  it('an error mid-stream is one more line under the 200 already sent', async () => {
    fake.script({ content: 'a b c d', error: { message: 'llama runner process has terminated', afterChunks: 2 } });
    const r = await post('/api/chat', { model: 'phi4-mini', messages: [{ role: 'user', content: 'go' }] });
    expect(r.status).toBe(200);
    expect((await lines(r)).at(-1)).toEqual({ error: 'llama runner process has terminated' });
  });

  it('generate loads and unloads with an empty prompt', async () => {
    expect(await json(await post('/api/generate', { model: 'phi4-mini' }))).toMatchObject({ done: true, done_reason: 'load' });
    expect((await json(await fetch(`${fake.url}/api/ps`))).models.map((m: { name: string }) => m.name)).toContain('phi4-mini:latest');
    expect(await json(await post('/api/generate', { model: 'phi4-mini', keep_alive: 0 }))).toMatchObject({ done: true, done_reason: 'unload' });
    expect((await json(await fetch(`${fake.url}/api/ps`))).models.map((m: { name: string }) => m.name)).not.toContain('phi4-mini:latest');
  });
});
