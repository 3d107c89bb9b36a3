import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogModelResolver } from '../../electron/core/docker/catalog-resolver';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import { withResolver, type SpecContext } from '../../electron/core/docker/specs/common';
import { containedPath } from '../../electron/core/fs/contained-path';
import { ConversationStore } from '../../electron/core/chat/conversation-store';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { silentLogger } from '../../electron/core/log/logger';
import { ChatParamsSchema, type Conversation } from '../../electron/shared/contract/chat';
import type { Catalog } from '../../electron/shared/contract/hardware';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, type DeployInput } from '../../electron/shared/contract/docker';
import { isDeckError } from '../../electron/shared/errors';

const ctx = (catalog: Catalog | null = bundledCatalog()): SpecContext => ({
  mirror: '',
  engineVersion: '1',
  appVersion: '1',
  modelsDir: '/srv/slm-deck/models',
  arch: 'x86_64',
  hfTokenDir: null,
  resolveModel: withResolver(catalogModelResolver(() => catalog), builtinResolveModel),
});

const issues = (input: DeployInput) => {
  const r = DeployInputSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};
const base = defaultDeployConfig('vllm-cpu');

describe('deploy input validation', () => {
  it('accepts environment variable names only', () => {
    expect(issues({ ...base, env: { OLLAMA_KEEP_ALIVE: '5m', _x1: '' } })).toEqual([]);
    for (const key of ['HAS SPACE', 'A=B', 'LINE\nBREAK', '1ST', '', 'a-b']) {
      expect(issues({ ...base, env: { [key]: 'v' } }), JSON.stringify(key)).toEqual([`env.${key}`]);
    }
    expect(issues({ ...base, env: { OK: 'nul\0byte' } })).toEqual(['env.OK']);
  });

  it('publishes on an IP literal or localhost, never a name to look up', () => {
    for (const bindHost of ['127.0.0.1', '0.0.0.0', '::1', '::', '192.168.1.20', 'localhost']) expect(issues({ ...base, bindHost }), bindHost).toEqual([]);
    for (const bindHost of ['example.com', 'my-box', '127.0.0.1:80', '[::1]', '300.1.1.1', '']) expect(issues({ ...base, bindHost }), bindHost).toEqual(['bindHost']);
  });

  it('refuses memory and CPU limits that would round to nothing (Docker reads 0 as unlimited); null still means no limit', () => {
    expect(issues({ ...base, memoryLimitGb: 1e-9 })).toEqual(['memoryLimitGb']);
    expect(issues({ ...base, memoryLimitGb: 0.1 })).toEqual(['memoryLimitGb']);
    expect(issues({ ...base, cpus: 1e-10 })).toEqual(['cpus']);
    expect(issues({ ...base, memoryLimitGb: null, cpus: null })).toEqual([]);
    expect(issues({ ...base, memoryLimitGb: 0.5, cpus: 0.5 })).toEqual([]);
  });

  it('takes model references whose segments are names, never `.` or `..`', () => {
    for (const model of ['phi-4-mini-instruct/onnx-cpu-int4', 'microsoft/Phi-4-mini-instruct', 'phi4-mini:3.8b-q8_0', 'hf.co/org/repo:Q4_K_M']) {
      expect(issues({ ...base, model }), model).toEqual([]);
    }
    for (const model of ['../../etc', 'a/../b', '/etc', 'a/./b', 'a b', '']) expect(issues({ ...base, model }), model).toEqual(['model']);
  });

  it('refuses a context longer than the model supports', () => {
    let err: unknown;
    try {
      buildSpec(DeployInputSchema.parse({ ...base, contextLength: 262_144 }), ctx());
    } catch (e) {
      err = e;
    }
    expect(isDeckError(err) && err.code).toBe('invalid_input');
    expect((err as Error).message).toBe('A context of 262144 tokens is more than microsoft/Phi-4-mini-instruct supports (131072).');
    expect(() => buildSpec(DeployInputSchema.parse({ ...base, contextLength: 131_072 }), ctx())).not.toThrow();
  });

  it('passes --trust-remote-code only for a model whose catalog entry asks for it', () => {
    const cmd = (c: Catalog) => buildSpec(DeployInputSchema.parse(base), ctx(c)).containers[0].create.Cmd;
    const catalog = bundledCatalog()!;
    expect(catalog.models.find((m) => m.id === 'phi-4-mini-instruct')?.trustRemoteCode).toBeUndefined();
    expect(cmd(catalog)).not.toContain('--trust-remote-code');
    const needsCode = { ...catalog, models: catalog.models.map((m) => ({ ...m, trustRemoteCode: true })) };
    expect(cmd(needsCode)).toContain('--trust-remote-code');
  });
});

describe('path containment', () => {
  it('keeps every store path inside its root', () => {
    expect(containedPath('/h/models', 'phi-4-mini-instruct', 'onnx-cpu-int4')).toBe('/h/models/phi-4-mini-instruct/onnx-cpu-int4');
    for (const parts of [['..'], ['a', '..', '..'], ['.'], ['a/b'], ['a\\b'], ['/etc'], [''], ['x\0'], []]) {
      expect(() => containedPath('/h/models', ...parts), JSON.stringify(parts)).toThrow(/not a valid name|outside/);
    }
  });

  it('an onnx-engine deploy from the store joins only a contained model id', () => {
    const s = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('onnx-engine') }), ctx());
    expect(s.containers[0].create.HostConfig.Mounts[0].Source).toBe('/srv/slm-deck/models/phi-4-mini-instruct/onnx-cpu-int4');
  });

  it('a conversation file naming another id (planted `../`) is skipped, so delete cannot reach outside', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'slm-conv-'));
    const victim = path.join(home, 'victim.json');
    writeFileSync(victim, '{}');
    const dir = path.join(home, 'conversations');
    const store = new ConversationStore(home, silentLogger);
    const now = Date.now();
    const conv: Conversation = { version: 1, id: 'abc', title: 't', createdAt: now, updatedAt: now, backendId: 'x', backendLabel: 'x', system: '', params: ChatParamsSchema.parse({}), tools: [], messages: [] };
    await store.put(conv);
    const planted = new ConversationStore(home, silentLogger);
    writeFileSync(path.join(dir, 'planted.json'), JSON.stringify({ ...conv, id: '../victim' }));
    expect((await planted.list()).map((c) => c.id)).toEqual(['abc']);
    expect(await planted.delete('../victim')).toBe(false);
    await expect(planted.get('../victim')).rejects.toThrow(/No conversation/);
    expect(existsSync(victim)).toBe(true);
  });
});
