import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/app-core';
import { normaliseBaseUrl } from '../../electron/core/chat/custom-backends';
import { tempHome } from '../helpers/serve';

const ctx = { transport: 'cli' as const, signal: new AbortController().signal };

describe('chat RPC', () => {
  it('rejects bad input with the field that is wrong', async () => {
    const core = await createCore({ home: tempHome() });
    const cases: Array<[string, unknown, string]> = [
      ['chat.send', { conversationId: 'x', content: '' }, 'content'],
      ['chat.compare', { prompt: 'hi', targets: [{ backendId: 'ollama' }] }, 'targets'],
      ['chat.create', { backendId: 'ollama', params: { temperature: 5 } }, 'params.temperature'],
      ['chat.create', { backendId: 'ollama', params: { stop: ['x'] } }, 'params'],
      ['chat.create', { backendId: 'ollama', tools: ['rm_rf'] }, 'tools.0'],
      ['chat.addBackend', { label: 'x', baseUrl: 'not a url', kind: 'openai' }, 'baseUrl'],
      ['chat.export', { id: 'x', format: 'pdf' }, 'format'],
    ];
    for (const [method, params, field] of cases) {
      const env = await core.dispatcher.call(method, params, ctx);
      expect(env, method).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      if (!env.ok) expect((env.error.details as { path: string[] }[]).map((d) => d.path.join('.')), method).toContain(field);
    }
    const missing = await core.dispatcher.call('chat.get', { id: '../../settings' }, ctx);
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const noBackend = await core.dispatcher.call('chat.create', { backendId: 'nowhere' }, ctx);
    expect(noBackend).toMatchObject({ ok: false, error: { code: 'not_found', message: 'The backend "nowhere" is not available.' } });
  });

  it("offers the seed's test prompts and the demo tools", async () => {
    const core = await createCore({ home: tempHome() });
    const presets = await core.dispatcher.call('chat.presets', {}, ctx);
    if (!presets.ok) throw new Error('presets failed');
    const list = presets.result as { id: string; prompt: string; tools?: string[] }[];
    expect(list.map((p) => p.id)).toEqual([
      'math-train',
      'code-fibonacci',
      'tools-circle',
      'math-compound-interest',
      'code-binary-search',
      'math-rectangle',
      'code-gcd',
      'logic-cats',
      'math-distance',
    ]);
    expect(list.find((p) => p.id === 'tools-circle')).toMatchObject({ prompt: 'Calculate the area of a circle with radius 5 units', tools: ['calculate_circle_area'] });
    const tools = await core.dispatcher.call('chat.tools', {}, ctx);
    expect(tools.ok && (tools.result as { name: string }[]).map((t) => t.name)).toEqual(['calculate_circle_area', 'calculate', 'get_current_time']);
  });

  it('keeps custom backends in a file, announces changes, and lists the Ollama URL from settings', async () => {
    const home = tempHome();
    const core = await createCore({ home });
    // No Docker here: deployments of the shared test daemon would join the list.
    await core.dispatcher.call('settings.set', { dockerEndpoint: path.join(home, 'no-docker.sock') }, ctx);
    let changes = 0;
    core.bus.on('chat.backendsChanged', () => changes++);
    const added = await core.dispatcher.call('chat.addBackend', { label: 'GPU box', baseUrl: 'http://127.0.0.1:8000/', kind: 'openai' }, ctx);
    expect(added).toMatchObject({ ok: true, result: { baseUrl: 'http://127.0.0.1:8000/v1', source: 'custom', removable: true } });
    expect(changes).toBe(1);
    const file = JSON.parse(await fs.readFile(path.join(home, 'chat-backends.json'), 'utf8'));
    expect(file.backends).toHaveLength(1);
    await core.dispatcher.call('settings.set', { ollamaUrl: 'http://127.0.0.1:11500' }, ctx);
    expect(changes).toBe(2);
    const list = await core.dispatcher.call('chat.backends', {}, ctx);
    expect(list.ok && (list.result as { id: string; baseUrl: string }[]).map((b) => [b.id.replace(/:.*/, ':*'), b.baseUrl])).toEqual([
      ['custom:*', 'http://127.0.0.1:8000/v1'],
      ['ollama', 'http://127.0.0.1:11500'],
    ]);
    const id = added.ok ? (added.result as { id: string }).id : '';
    expect(await core.dispatcher.call('chat.removeBackend', { id }, ctx)).toMatchObject({ ok: true, result: { removed: true } });
    expect(await core.dispatcher.call('chat.removeBackend', { id }, ctx)).toMatchObject({ ok: true, result: { removed: false } });
  });

  it('normalises pasted URLs', () => {
    expect(normaliseBaseUrl('http://host:8000', 'openai')).toBe('http://host:8000/v1');
    expect(normaliseBaseUrl('http://host:8000/v1/chat/completions', 'openai')).toBe('http://host:8000/v1');
    expect(normaliseBaseUrl(' https://gpu.example/openai/v1/ ', 'openai')).toBe('https://gpu.example/openai/v1');
    expect(normaliseBaseUrl('http://host:11434/api/chat', 'ollama')).toBe('http://host:11434');
    expect(() => normaliseBaseUrl('ftp://host', 'openai')).toThrow('Only http and https');
  });
});
