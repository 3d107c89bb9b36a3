import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { unwrap } from '../../electron/core/rpc/dispatcher';
import { TINY_ANSWER, TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import type { MethodInput, MethodName, MethodResult } from '../../electron/shared/contract';
import type { ChatDelta } from '../../electron/shared/contract/chat';
import { DEMO_MODEL_LABEL, type EmbeddedStatus } from '../../electron/shared/contract/engine';
import { ROOT, tempHome } from '../helpers/serve';

/**
 * The embedded engine as the app runs it: a supervised child process on a free port, a chat
 * backend for the playground (the app's OpenAI-compatible client, real inference), restarted
 * after a crash, given up on after repeated crashes, stopped with the app; and the CLI's
 * `chat --backend embedded` and `engine run`.
 */
const signal = new AbortController().signal;
const HELLO = 'Hello! Who are you?';
let core: Core;
let home: string;

async function call<M extends MethodName>(c: Core, method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
  return unwrap(await c.dispatcher.call(method, params, { transport: 'websocket', signal })) as MethodResult<M>;
}

function nextStatus(c: Core, want: (s: EmbeddedStatus) => boolean, ms = 30_000): Promise<EmbeddedStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching engine.status within ${ms} ms; now ${JSON.stringify(c.engine.supervisor.status())}`));
    }, ms);
    const off = c.bus.on('engine.status', (s) => {
      if (!want(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

async function chat(c: Core, conversationId: string): Promise<{ content: string; deltas: ChatDelta[] }> {
  const deltas: ChatDelta[] = [];
  const off = c.bus.on('chat.delta', (d) => d.conversationId === conversationId && deltas.push(d));
  const sent = await call(c, 'chat.send', { conversationId, content: HELLO });
  await c.chat.settled(conversationId);
  off();
  const reply = (await call(c, 'chat.get', { id: conversationId })).messages.find((m) => m.id === sent.assistantMessageId)!;
  expect(reply.error).toBeUndefined();
  return { content: reply.content, deltas };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  home = tempHome('slm-deck-embedded-');
  core = await createCore({ home });
});

afterAll(async () => {
  await core?.close();
});

describe('embedded engine', () => {
  let first: EmbeddedStatus;
  let conversationId: string;

  it('starts the demo model on a free port, waits for /health, and offers it to the playground', async () => {
    expect(await call(core, 'engine.status', {})).toMatchObject({ state: 'stopped', url: null, host: 'child-process' });
    expect((await call(core, 'chat.backends', {})).map((b) => b.id)).not.toContain('embedded');
    const states: string[] = [];
    const off = core.bus.on('engine.status', (s) => states.push(s.state));
    first = await call(core, 'engine.start', {});
    off();
    expect(states).toEqual(['starting', 'running']);
    expect(first).toMatchObject({ state: 'running', model: { id: TINY_MODEL_ID, label: DEMO_MODEL_LABEL, demo: true }, restarts: 0, error: null });
    expect(first.url).toBe(`http://127.0.0.1:${first.port}`);
    expect(alive(first.pid!)).toBe(true);
    expect(await answers(first.url!)).toBe(true);

    const backends = await call(core, 'chat.backends', {});
    expect(backends).toContainEqual({ id: 'embedded', kind: 'openai', baseUrl: `${first.url}/v1`, model: TINY_MODEL_ID, label: `Embedded · ${DEMO_MODEL_LABEL}`, source: 'embedded', removable: false });
    // Starting again with the same model is a no-op.
    expect((await call(core, 'engine.start', { model: TINY_MODEL_ID })).pid).toBe(first.pid);
  });

  it('streams the known answer through the app’s OpenAI-compatible client', async () => {
    conversationId = (await call(core, 'chat.create', { backendId: 'embedded', params: { temperature: 0 } })).id;
    const { content, deltas } = await chat(core, conversationId);
    expect(content).toBe(TINY_ANSWER);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(TINY_ANSWER);
  });

  it('restarts a crashed engine on the same port, and the same conversation keeps working', async () => {
    const restarting = nextStatus(core, (s) => s.state === 'restarting');
    const back = nextStatus(core, (s) => s.state === 'running');
    process.kill(first.pid!, 'SIGKILL');
    const r = await restarting;
    expect(r).toMatchObject({ url: first.url, lastCrash: { code: null } });
    const s = await back;
    expect(s).toMatchObject({ state: 'running', port: first.port, restarts: 1, error: null });
    expect(s.pid).not.toBe(first.pid);
    expect((await chat(core, conversationId)).content).toBe(TINY_ANSWER);
  });

  it('gives up after repeated quick crashes with an error that says so, and starts again on request', async () => {
    // The first crash above counts too: three more make four within a minute.
    for (let i = 0; i < 3; i++) {
      const s = core.engine.supervisor.status();
      const next = nextStatus(core, (x) => x.state === (i < 2 ? 'running' : 'failed'));
      process.kill(s.pid!, 'SIGKILL');
      await next;
    }
    const failed = await call(core, 'engine.status', {});
    expect(failed).toMatchObject({ state: 'failed', url: null, error: { code: 'server_error' } });
    expect(failed.error!.message).toMatch(/^The embedded engine crashed 4 times within 60 s \(last exit code none: killed by a signal or died while starting\); SLM Deck stopped restarting it\.$/);
    expect(failed.error!.hint).toContain(core.logPath);
    expect((await call(core, 'chat.backends', {})).map((b) => b.id)).not.toContain('embedded');

    const again = await call(core, 'engine.start', {});
    expect(again).toMatchObject({ state: 'running', restarts: 0, error: null });
    first = again;
  }, 60_000);

  it('stops: the process ends and the backend goes away', async () => {
    const s = await call(core, 'engine.stop', {});
    expect(s).toMatchObject({ state: 'stopped', url: null, pid: null });
    expect(alive(first.pid!)).toBe(false);
    expect(await answers(first.url!)).toBe(false);
    expect((await call(core, 'chat.backends', {})).map((b) => b.id)).not.toContain('embedded');
  });

  it('a broken model fails with the engine’s load error, without restart loops', async () => {
    const broken = path.join(home, 'models', 'broken-demo');
    mkdirSync(path.dirname(broken), { recursive: true });
    cpSync(path.join(ROOT, 'resources', 'models', TINY_MODEL_ID), broken, { recursive: true });
    truncateSync(path.join(broken, 'model.onnx'), 100);
    expect((await call(core, 'engine.models', {})).map((m) => [m.id, m.state, m.source])).toEqual([
      [TINY_MODEL_ID, 'ready', 'bundled'],
      ['broken-demo', 'ready', 'folder'],
    ]);
    const states: string[] = [];
    const off = core.bus.on('engine.status', (s) => states.push(s.state));
    await expect(call(core, 'engine.start', { model: 'broken-demo' })).rejects.toMatchObject({ code: 'model_load_failed' });
    off();
    expect(states).toEqual(['starting', 'failed']);
    expect(await call(core, 'engine.status', {})).toMatchObject({ state: 'failed', model: { id: 'broken-demo' }, error: { code: 'model_load_failed' } });
    await expect(call(core, 'engine.start', { model: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('core.close() stops the engine (quitting the app)', async () => {
    const c = await createCore({ home: tempHome('slm-deck-embedded-') });
    const s = await call(c, 'engine.start', {});
    expect(alive(s.pid!)).toBe(true);
    await c.close();
    expect(alive(s.pid!)).toBe(false);
  });
});

describe('embedded engine from the CLI (built CLI: node scripts/build.js)', () => {
  function cli(args: string[], cliHome: string) {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], { env: { ...process.env, SLM_DECK_HOME: cliHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
    return { p, exit, out: () => out, err: () => err };
  }

  it('`slm-deck chat --backend embedded --prompt` starts the engine, streams the answer, and stops it', async () => {
    const run = cli(['chat', '--backend', 'embedded', '--prompt', HELLO], tempHome('slm-deck-embedded-cli-'));
    expect(await run.exit).toBe(0);
    expect(run.out()).toBe(`${TINY_ANSWER}\n`);
    const url = /Starting the embedded engine… Demo model \(tiny, offline\) at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.err())?.[1];
    expect(url).toBeDefined();
    expect(await answers(url!)).toBe(false);
  });

  it('`slm-deck engine run` serves until Ctrl-C', async () => {
    const run = cli(['engine', 'run'], tempHome('slm-deck-embedded-cli-'));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL: ${run.out()} ${run.err()}`)), 30_000);
      run.p.stdout.on('data', () => {
        const m = /running Demo model \(tiny, offline\) — a toy that always gives the same answer at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.out());
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: HELLO }], temperature: 0 }) });
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe(TINY_ANSWER);
    run.p.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(await answers(url)).toBe(false);
  });
});
