import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/app-core';
import { tempHome } from '../helpers/serve';
import { DOCKER_HOST, ensureServices } from './docker-helpers';

let core: Core | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

async function coreWith(dockerEndpoint: string) {
  core = await createCore({ home: tempHome() });
  // Port 9 (discard) never runs Ollama.
  await core.settings.set({ dockerEndpoint, ollamaUrl: 'http://127.0.0.1:9' });
  return core;
}

describe('embedded engine as the default', () => {
  it('starts with the demo model when neither Docker nor Ollama is there, and answers', async () => {
    const c = await coreWith('/tmp/no-docker-here.sock');
    expect(await c.engine.autoStart()).toBe('started');
    const status = c.engine.supervisor.status();
    expect(status).toMatchObject({ state: 'running', model: { demo: true } });
    const res = await fetch(`${status.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello! Who are you?' }], temperature: 0 }),
    });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0].message.content).toBe('Hello! I am a tiny demo model running on ONNX Runtime.');
  });

  it('stays out of the way when Docker is reachable', async () => {
    await ensureServices();
    const c = await coreWith(DOCKER_HOST);
    expect(await c.engine.autoStart()).toBe('skipped');
    expect(c.engine.supervisor.status().state).toBe('stopped');
  });
});
