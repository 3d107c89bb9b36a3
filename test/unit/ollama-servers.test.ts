import { describe, expect, it } from 'vitest';
import { ollamaServers, resolveOllamaServer } from '../../electron/core/ollama/servers';
import type { ChatBackend } from '../../electron/shared/contract/chat';

const b = (id: string, source: string, baseUrl: string, kind: 'ollama' | 'openai' = 'ollama', label = id): ChatBackend => ({ id, kind, baseUrl, label, source, removable: source === 'custom' });

describe('every Ollama the app knows, by name', () => {
  const backends = [
    b('ollama', 'settings', 'http://127.0.0.1:11434'),
    b('docker:team', 'docker', 'http://127.0.0.1:11500'),
    b('docker:vllm', 'docker', 'http://127.0.0.1:8000/v1', 'openai'),
    b('custom:1', 'custom', 'http://gpu-box:11434', 'ollama', 'gpu-box'),
  ];

  it('lists native, each Ollama deployment and added Ollama URLs, not other servers', () => {
    expect(ollamaServers(backends, 'http://127.0.0.1:11434')).toEqual([
      { name: 'native', url: 'http://127.0.0.1:11434', source: 'settings', label: 'Ollama at 127.0.0.1:11434 (settings)' },
      { name: 'team', url: 'http://127.0.0.1:11500', source: 'deployment', label: 'team (SLM Deck container)' },
      { name: 'gpu-box', url: 'http://gpu-box:11434', source: 'custom', label: 'gpu-box (added URL)' },
    ]);
  });

  it('a settings URL served by one of the app containers is that container, not a native install', () => {
    const list = ollamaServers(backends, 'http://localhost:11500/');
    expect(list.map((s) => s.name)).toEqual(['team', 'gpu-box']);
    expect(list[0].isSettingsUrl).toBe(true);
  });

  it('--ollama takes a name or a URL', () => {
    const list = ollamaServers(backends, 'http://127.0.0.1:11434');
    expect(resolveOllamaServer(list, 'team')).toBe('http://127.0.0.1:11500');
    expect(resolveOllamaServer(list, 'native')).toBe('http://127.0.0.1:11434');
    expect(resolveOllamaServer(list, 'http://10.0.0.2:11434')).toBe('http://10.0.0.2:11434');
    expect(resolveOllamaServer(list, 'nope')).toBeNull();
  });
});
