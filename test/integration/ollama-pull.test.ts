import { describe, expect, it, vi } from 'vitest';
import type { OllamaFake } from '../fakes/ollama';
import { type FakeOptions, ollamaFixture, progressOf, type TestCore } from './ollama-helpers';

let fake: OllamaFake;
let t: TestCore;
const fixture = ollamaFixture({});
const setup = async (opts?: FakeOptions) => ({ fake, t } = await fixture.setup(opts));

type Line = { status?: string; digest?: string; total?: number; completed?: number; error?: string };
const Q8_WEIGHTS = 4_082_018_688;

describe('ollama.pull as a task', () => {
  it('aggregates per-layer progress into one bar, shows the steps, and installs the model', async () => {
    // Slow enough for several throttled (10/s) progress events.
    await setup({ pull: { intervalMs: 15 } });
    const task = { id: '' };
    const snaps = progressOf(t.core, () => task.id);
    const changed = t.events('ollama.changed');
    const id = (task.id = (await t.call('ollama.pull', { model: 'phi4-mini:3.8b-q8_0' })).taskId);
    const done = await t.wait(id);
    expect(done).toMatchObject({ state: 'succeeded', kind: 'ollama.pull', progress: 1 });
    const result = done.result as { bytesTotal: number; resumedFromBytes: number; steps: string[] };
    expect(result.steps).toEqual(['Pulling manifest', 'Downloading', 'Verifying SHA-256 digest', 'Writing manifest', 'Done']);
    expect(result.resumedFromBytes).toBe(0);
    // One bar over all four layers: the total is the sum of the layer sizes Ollama reported.
    const lines = fake.pullLog[0].lines as Line[];
    const totals = new Map(lines.filter((l) => l.digest).map((l) => [l.digest, l.total ?? 0]));
    expect(result.bytesTotal).toBe([...totals.values()].reduce((a, b) => a + b, 0));
    const withBytes = snaps.filter((s) => s.bytesDone !== undefined);
    expect(withBytes.length).toBeGreaterThan(2);
    for (let i = 1; i < withBytes.length; i++) expect(withBytes[i].bytesDone!).toBeGreaterThanOrEqual(withBytes[i - 1].bytesDone!);
    expect((await t.call('ollama.list', {})).map((m) => m.name)).toEqual(['phi4-mini:3.8b-q8_0']);
    expect(changed).toEqual([{ url: fake.url, reason: 'pulled', model: 'phi4-mini:3.8b-q8_0' }]);
  });

  it('a name the library does not know fails with not_found and a hint', async () => {
    await setup();
    const { taskId } = await t.call('ollama.pull', { model: 'phi5-mega' });
    const done = await t.wait(taskId);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ code: 'not_found' });
    expect(done.error?.message).toContain('no model by that name');
    expect(done.error?.hint).toContain('ollama.com/library');
  });

  it('an {"error"} line in the middle of the stream fails the task with Ollama\'s message', async () => {
    await setup({ pull: { intervalMs: 1 } });
    fake.troubleNextPull({ kind: 'error', afterBytes: 1_000_000_000, message: 'max retries exceeded: read: connection reset by peer' });
    const { taskId } = await t.call('ollama.pull', { model: 'phi4-mini' });
    const done = await t.wait(taskId);
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('server_error');
    expect(done.error?.message).toContain('connection reset by peer');
    expect(done.error?.hint).toMatch(/finished parts are kept/);
    expect(await t.call('ollama.list', {})).toEqual([]);
  });

  it('a cancelled pull keeps its partial blob and the next pull resumes from it', async () => {
    await setup({ pull: { intervalMs: 1 } });
    fake.troubleNextPull({ kind: 'hold', afterBytes: 1_000_000_000 });
    const held = fake.whenHeld();
    const first = await t.call('ollama.pull', { model: 'phi4-mini:3.8b-q8_0' });
    await held;
    expect(await t.call('tasks.cancel', { taskId: first.taskId })).toEqual({ cancelled: true });
    const cancelled = await t.wait(first.taskId);
    expect(cancelled.state).toBe('cancelled');
    // The server sees the client go away, as Ollama does when a pull is cancelled.
    await vi.waitFor(() => expect(fake.activePulls).toBe(0));
    const weights = [...fake.partial.entries()];
    expect(weights).toHaveLength(1);
    expect(weights[0][1]).toBe(1_000_000_000);

    const second = await t.call('ollama.pull', { model: 'phi4-mini:3.8b-q8_0' });
    const done = await t.wait(second.taskId);
    expect(done.state).toBe('succeeded');
    expect((done.result as { resumedFromBytes: number }).resumedFromBytes).toBe(1_000_000_000);
    // The second request started at the kept bytes, as Ollama does with its -partial files.
    const resumed = (fake.pullLog[1].lines as Line[]).find((l) => l.digest === weights[0][0]);
    expect(resumed).toMatchObject({ total: Q8_WEIGHTS, completed: 1_000_000_000 });
    expect(fake.partial.size).toBe(0);
  });

  it('a server that dies mid-pull is reported as such; after a restart the pull resumes', async () => {
    await setup({ pull: { intervalMs: 1 } });
    fake.troubleNextPull({ kind: 'die', afterBytes: 600_000_000 });
    const first = await t.call('ollama.pull', { model: 'phi4-mini' });
    const failed = await t.wait(first.taskId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('server_unreachable');
    expect(failed.error?.message).toMatch(/stopped answering/);
    expect(failed.error?.hint).toMatch(/part already downloaded is kept/);
    expect(await t.call('ollama.status', {})).toMatchObject({ reachable: false });

    await fake.restart();
    const second = await t.call('ollama.pull', { model: 'phi4-mini' });
    const done = await t.wait(second.taskId);
    expect(done.state).toBe('succeeded');
    expect((done.result as { resumedFromBytes: number }).resumedFromBytes).toBe(600_000_000);
    expect((await t.call('ollama.list', {})).map((m) => m.name)).toEqual(['phi4-mini:latest']);
  });

  it('pulling a model already on disk finishes at once with nothing to download', async () => {
    await setup({ installed: ['phi4-mini'], pull: { intervalMs: 50 } });
    const { taskId } = await t.call('ollama.pull', { model: 'phi4-mini' });
    const done = await t.wait(taskId);
    expect(done.state).toBe('succeeded');
    const r = done.result as { bytesTotal: number; resumedFromBytes: number };
    expect(r.resumedFromBytes).toBe(r.bytesTotal);
  });
});
