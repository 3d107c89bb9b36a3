import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DockerConnection } from '../../electron/core/docker/connection';
import { DockerService } from '../../electron/core/docker/docker-service';
import { EventBus } from '../../electron/core/events/event-bus';
import { silentLogger } from '../../electron/core/log/logger';
import { catalogModelResolver } from '../../electron/core/docker/catalog-resolver';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import { withResolver, type SpecContext } from '../../electron/core/docker/specs/common';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, type DeployInput, type DeploymentSpec } from '../../electron/shared/contract/docker';
import { isDeckError } from '../../electron/shared/errors';

const GIB = 1024 ** 3;
const S = 1e9;

const ctx = (over: Partial<SpecContext> = {}): SpecContext => ({
  mirror: 'localhost:5000',
  engineVersion: '1.2.3',
  appVersion: '1.2.3',
  modelsDir: '/home/me/.config/slm-deck/models',
  arch: 'x86_64',
  hfTokenDir: null,
  resolveModel: withResolver(catalogModelResolver(() => bundledCatalog()), builtinResolveModel),
  ...over,
});

const spec = (input: DeployInput, c = ctx()): DeploymentSpec => buildSpec(DeployInputSchema.parse(input), c);
const server = (s: DeploymentSpec) => s.containers[0].create;

function thrown(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    if (isDeckError(e)) return { code: e.code, message: e.message, hint: e.hint };
    throw e;
  }
  throw new Error('expected a DeckError');
}

describe('vLLM GPU spec', () => {
  const s = spec({ ...defaultDeployConfig('vllm-gpu'), name: 'prod', hostPort: 8001, gpus: ['0', '1'] });
  const o = server(s);

  it('uses the CUDA image through the mirror and the seed production flags', () => {
    expect(o.Image).toBe('localhost:5000/vllm/vllm-openai:latest');
    expect(o.name).toBe('slm-deck-prod');
    expect(o.Cmd).toEqual([
      '--model', 'microsoft/Phi-4-mini-instruct',
      '--host', '0.0.0.0',
      '--port', '8000',
      '--max-model-len', '8192',
      '--max-num-seqs', '8',
      '--gpu-memory-utilization', '0.8',
      '--enable-auto-tool-choice', '--tool-call-parser', 'phi4_mini_json',
    ]);
  });

  it('requests exactly the chosen GPUs, and every GPU when none is listed', () => {
    expect(o.HostConfig.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['0', '1'], Capabilities: [['gpu']] }]);
    const all = server(spec({ ...defaultDeployConfig('vllm-gpu') }));
    expect(all.HostConfig.DeviceRequests).toEqual([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
  });

  it('publishes on the loopback only, with the HF cache volume, limits, labels, restart policy and /health probe', () => {
    expect(o.ExposedPorts).toEqual({ '8000/tcp': {} });
    expect(o.HostConfig.PortBindings).toEqual({ '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '8001' }] });
    expect(o.HostConfig.Mounts).toEqual([{ Type: 'volume', Source: 'slm-deck-hf-cache', Target: '/root/.cache/huggingface' }]);
    expect(o.HostConfig.Memory).toBe(12 * GIB);
    expect(o.HostConfig.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(o.HostConfig.ShmSize).toBe(2 * GIB);
    expect(o.Labels).toMatchObject({
      'dev.slmdeck.managed': 'true',
      'dev.slmdeck.deployment': 'prod',
      'dev.slmdeck.backend': 'vllm-gpu',
      'dev.slmdeck.role': 'server',
      'dev.slmdeck.model': 'microsoft/Phi-4-mini-instruct',
    });
    expect(o.Healthcheck.Test[0]).toBe('CMD-SHELL');
    expect(o.Healthcheck.Test[1]).toContain('http://127.0.0.1:8000/health');
    expect(o.Healthcheck.Test[1]).toContain('python3');
    expect(o.Healthcheck).toMatchObject({ Interval: 10 * S, Timeout: 5 * S, Retries: 3, StartPeriod: 1800 * S });
    expect(s.volumes.map((v) => v.name)).toEqual(['slm-deck-hf-cache']);
    expect(s.endpoint).toMatchObject({ url: 'http://127.0.0.1:8001', api: 'openai', model: 'microsoft/Phi-4-mini-instruct' });
    expect(s.endpoint.curl).toContain('http://127.0.0.1:8001/v1/chat/completions');
  });

  it('mounts the Hugging Face token folder read-only and points HF_TOKEN_PATH at it, only when there is a token', () => {
    expect(o.Env.some((e) => e.startsWith('HF_TOKEN'))).toBe(false);
    const withToken = server(spec(defaultDeployConfig('vllm-gpu'), ctx({ hfTokenDir: '/home/me/.config/slm-deck/container-secrets/hf' })));
    expect(withToken.Env).toContain('HF_TOKEN_PATH=/run/secrets/slm-deck-hf/token');
    expect(withToken.Env.some((e) => e.startsWith('HF_TOKEN='))).toBe(false);
    expect(withToken.HostConfig.Mounts).toContainEqual({ Type: 'bind', Source: '/home/me/.config/slm-deck/container-secrets/hf', Target: '/run/secrets/slm-deck-hf', ReadOnly: true });
  });

  it('refuses credentials passed as --env and keeps env values out of the request label', () => {
    expect(thrown(() => spec({ ...defaultDeployConfig('vllm-gpu'), env: { HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz' } }))).toMatchObject({ code: 'invalid_input', hint: expect.stringMatching(/Settings/) });
    const labelled = server(spec({ ...defaultDeployConfig('vllm-gpu'), env: { VLLM_LOGGING_LEVEL: 'DEBUG-value' } }));
    expect(labelled.Env).toContain('VLLM_LOGGING_LEVEL=DEBUG-value');
    expect(JSON.parse(labelled.Labels['dev.slmdeck.request']).env).toEqual({ VLLM_LOGGING_LEVEL: '' });
  });

  it('never passes the tool-call parser without auto tool choice, or the reverse', () => {
    const off = server(spec({ ...defaultDeployConfig('vllm-gpu'), vllm: { gpuMemoryUtilization: 0.9, toolCalling: false, toolCallParser: 'phi4_mini_json' } }));
    expect(off.Cmd).not.toContain('--enable-auto-tool-choice');
    expect(off.Cmd).not.toContain('--tool-call-parser');
    expect(off.Cmd).toContain('0.9');
    const unknownModel = spec({ ...defaultDeployConfig('vllm-gpu'), model: 'Qwen/Qwen2.5-3B-Instruct' });
    expect(server(unknownModel).Cmd).not.toContain('--enable-auto-tool-choice');
    expect(unknownModel.warnings.join(' ')).toMatch(/No tool-call parser is known/);
  });

  it('refuses AWQ on the unquantised checkpoint and allows it on an AWQ repository', () => {
    const err = thrown(() => spec({ ...defaultDeployConfig('vllm-gpu'), vllm: { gpuMemoryUtilization: 0.8, toolCalling: true, quantization: 'awq' } }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/AWQ quantisation needs an AWQ checkpoint/);
    const ok = server(spec({ ...defaultDeployConfig('vllm-gpu'), model: 'some-org/Phi-4-mini-instruct-AWQ', vllm: { gpuMemoryUtilization: 0.8, toolCalling: true, quantization: 'awq' } }));
    expect(ok.Cmd).toEqual(expect.arrayContaining(['--quantization', 'awq', '--model', 'some-org/Phi-4-mini-instruct-AWQ']));
  });

  it('refuses the catalog AWQ form, which has no checkpoint yet, with the catalog reason', () => {
    const err = thrown(() => spec({ ...defaultDeployConfig('vllm-gpu'), model: 'phi-4-mini-instruct/vllm-awq' }));
    expect(err.message).toMatch(/has no AWQ weights/);
  });
});

describe('vLLM CPU spec', () => {
  const s = spec({ ...defaultDeployConfig('vllm-cpu'), vllm: { gpuMemoryUtilization: 0.8, toolCalling: true, cpuKvCacheGb: 6 } });
  const o = server(s);

  it('uses the CPU image with KV cache space, a large /dev/shm and the development limits (memory raised to hold the planner estimate)', () => {
    expect(o.Image).toBe('localhost:5000/vllm/vllm-openai-cpu:latest-x86_64');
    expect(o.Env).toContain('VLLM_CPU_KVCACHE_SPACE=6');
    expect(o.HostConfig.ShmSize).toBe(4 * GIB);
    // The seed's 8 GiB is below the planner's 10.65 GiB at 4,096 × 4 (memory-floor.test.ts).
    expect(o.HostConfig.Memory).toBe(12 * GIB);
    expect(o.HostConfig.NanoCpus).toBe(4e9);
    expect(o.HostConfig.DeviceRequests).toBeUndefined();
    expect(o.HostConfig.CapAdd).toEqual(['SYS_NICE']);
    expect(o.Cmd).toEqual(expect.arrayContaining(['--max-model-len', '4096', '--max-num-seqs', '4']));
    expect(o.Cmd).not.toContain('--gpu-memory-utilization');
  });

  it('defaults the KV cache to vLLM’s own 4 GiB and picks the arm64 image on arm hosts', () => {
    const d = server(spec(defaultDeployConfig('vllm-cpu'), ctx({ arch: 'aarch64' })));
    expect(d.Env).toContain('VLLM_CPU_KVCACHE_SPACE=4');
    expect(d.Image).toBe('localhost:5000/vllm/vllm-openai-cpu:latest-arm64');
  });
});

describe('Ollama spec', () => {
  it('sets the seed environment, the data volume and an /api/tags probe the Ollama image can run', () => {
    const s = spec({ ...defaultDeployConfig('ollama'), parallel: 2, contextLength: 8192, env: { OLLAMA_KEEP_ALIVE: '1h' } });
    const o = server(s);
    expect(o.Image).toBe('localhost:5000/ollama/ollama:latest');
    expect(o.Env).toEqual([
      'OLLAMA_HOST=0.0.0.0',
      'OLLAMA_NUM_PARALLEL=2',
      'OLLAMA_MAX_LOADED_MODELS=1',
      'OLLAMA_FLASH_ATTENTION=1',
      'OLLAMA_CONTEXT_LENGTH=8192',
      'OLLAMA_KEEP_ALIVE=1h',
    ]);
    expect(o.HostConfig.Mounts).toEqual([{ Type: 'volume', Source: 'slm-deck-ollama-data', Target: '/root/.ollama' }]);
    expect(o.HostConfig.PortBindings).toEqual({ '11434/tcp': [{ HostIp: '127.0.0.1', HostPort: '11434' }] });
    expect(o.Healthcheck.Test[1]).toMatch(/^ollama list/);
    expect(o.Healthcheck.Test[1]).toContain('/api/tags');
    expect(o.HostConfig.DeviceRequests).toBeUndefined();
    expect(s.containers).toHaveLength(1);
    expect(s.network).toBeNull();
    expect(s.endpoint).toMatchObject({ api: 'ollama', model: 'phi4-mini:3.8b-q4_K_M', url: 'http://127.0.0.1:11434' });
  });

  it('adds Open WebUI on its own network, talking to Ollama by container name', () => {
    const s = spec({ ...defaultDeployConfig('ollama'), name: 'chat', openWebUi: true, webUiPort: 3001, gpus: ['all'] });
    expect(s.containers.map((c) => c.name)).toEqual(['slm-deck-chat', 'slm-deck-chat-webui']);
    const web = s.containers[1].create;
    expect(web.Image).toBe('localhost:5000/open-webui/open-webui:main');
    expect(web.Env).toEqual(['OLLAMA_BASE_URL=http://slm-deck-chat:11434', 'DEFAULT_MODELS=phi4-mini:3.8b-q4_K_M']);
    expect(web.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '3001' }] });
    expect(web.HostConfig.NetworkMode).toBe('slm-deck-chat');
    expect(server(s).HostConfig.NetworkMode).toBe('slm-deck-chat');
    expect(server(s).HostConfig.DeviceRequests).toEqual([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }]);
    expect(s.network?.name).toBe('slm-deck-chat');
    expect(s.volumes.map((v) => v.name)).toEqual(['slm-deck-ollama-data', 'slm-deck-open-webui-data']);
    expect(s.endpoint.webUiUrl).toBe('http://127.0.0.1:3001');
  });
});

describe('ONNX engine spec', () => {
  it('runs the locally built image (never mirrored) with the model folder read-only and the seed 8 GB / 4 CPU defaults', () => {
    const s = spec(defaultDeployConfig('onnx-engine'));
    const o = server(s);
    expect(o.Image).toBe('slm-deck/onnx-engine:1.2.3');
    expect(o.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: '/home/me/.config/slm-deck/models/phi-4-mini-instruct/onnx-cpu-int4', Target: '/model', ReadOnly: true },
    ]);
    expect(o.HostConfig.Memory).toBe(8 * GIB);
    expect(o.HostConfig.NanoCpus).toBe(4e9);
    expect(o.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(o.Healthcheck.Test[1]).toContain('http://127.0.0.1:8080/health');
    expect(o.Env).toEqual(expect.arrayContaining(['SLM_ENGINE_MODEL_DIR=/model', 'SLM_ENGINE_PORT=8080', 'SLM_ENGINE_MODEL_ID=cpu-int4-rtn-block-32-acc-level-4']));
    expect(s.endpoint.model).toBe('cpu-int4-rtn-block-32-acc-level-4');
  });

  it('mounts an explicit model folder', () => {
    const o = server(spec({ ...defaultDeployConfig('onnx-engine'), modelPath: '/data/tiny-model' }));
    expect(o.HostConfig.Mounts[0]).toMatchObject({ Source: '/data/tiny-model', ReadOnly: true });
  });

  describe('API key', () => {
    const KEY_FILE = '/home/me/.config/slm-deck/container-secrets/engine/edge/api-key';
    const at = (bindHost: string) => spec({ ...defaultDeployConfig('onnx-engine'), name: 'edge', bindHost }, ctx({ engineKeyFile: KEY_FILE }));

    it.each(['0.0.0.0', '192.168.1.20', '::', 'fd00::5'])('published on %s: the key file is mounted read-only and named by SLM_ENGINE_API_KEY_FILE', (bindHost) => {
      const s = at(bindHost);
      const o = server(s);
      expect(o.HostConfig.Mounts).toContainEqual({ Type: 'bind', Source: KEY_FILE, Target: '/run/secrets/slm-deck-engine-key', ReadOnly: true });
      expect(o.Env).toContain('SLM_ENGINE_API_KEY_FILE=/run/secrets/slm-deck-engine-key');
      expect(s.endpoint.apiKeyFile).toBe(KEY_FILE);
      // The ready-to-paste request reads the key from its file instead of showing it.
      expect(s.endpoint.curl).toContain(`-H "Authorization: Bearer $(cat '${KEY_FILE}')"`);
    });

    it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])('published on the loopback %s: no key, even when one is offered', (bindHost) => {
      const s = at(bindHost);
      const o = server(s);
      expect(o.HostConfig.Mounts).toHaveLength(1);
      expect(o.Env.join(' ')).not.toContain('API_KEY');
      expect(s.endpoint.apiKeyFile).toBeUndefined();
      expect(s.endpoint.curl).not.toContain('Authorization');
    });

    it('previews and compose files (no key context) carry no key mount', () => {
      const o = server(spec({ ...defaultDeployConfig('onnx-engine'), bindHost: '0.0.0.0' }));
      expect(o.HostConfig.Mounts).toHaveLength(1);
      expect(o.Env.join(' ')).not.toContain('API_KEY');
    });
  });
});

describe('every spec', () => {
  it('rejects the embedded backend with a clear error', () => {
    const err = thrown(() => spec({ ...defaultDeployConfig('ollama'), backend: 'embedded' }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/runs inside SLM Deck, not in a container/);
    expect(err.hint).toMatch(/card on the Deploy page/);
  });

  it('rejects a catalog form made for another backend', () => {
    expect(thrown(() => spec({ ...defaultDeployConfig('ollama'), model: 'phi-4-mini-instruct/vllm-bf16' })).message).toMatch(/cannot run on ollama/);
  });

  it('holds its invariants for any valid config (property)', () => {
    const backend = fc.constantFrom('vllm-gpu', 'vllm-cpu', 'ollama', 'onnx-engine' as const);
    const config = fc.record({
      backend,
      hostPort: fc.integer({ min: 1024, max: 65535 }),
      bindHost: fc.constantFrom('127.0.0.1', '0.0.0.0', '192.168.1.20', '::1'),
      contextLength: fc.integer({ min: 256, max: 131072 }),
      parallel: fc.integer({ min: 1, max: 64 }),
      gpus: fc.array(fc.constantFrom('0', '1', 'GPU-abc'), { maxLength: 2 }),
      memoryLimitGb: fc.option(fc.double({ min: 0.5, max: 64, noNaN: true }), { nil: null }),
      cpus: fc.option(fc.double({ min: 0.5, max: 16, noNaN: true }), { nil: null }),
      openWebUi: fc.boolean(),
      toolCalling: fc.boolean(),
      mirror: fc.constantFrom('', 'localhost:5000', 'mirror.example.com/hub'),
    });
    fc.assert(
      fc.property(config, (c) => {
        const base = defaultDeployConfig(c.backend, c.bindHost);
        const s = spec(
          {
            ...base,
            hostPort: c.hostPort,
            contextLength: c.contextLength,
            parallel: c.parallel,
            gpus: c.gpus,
            memoryLimitGb: c.memoryLimitGb,
            cpus: c.cpus,
            openWebUi: c.openWebUi,
            webUiPort: c.hostPort === 3000 ? 3001 : 3000,
            ...(base.vllm ? { vllm: { ...base.vllm, toolCalling: c.toolCalling } } : {}),
          },
          ctx({ mirror: c.mirror }),
        );
        for (const k of s.containers) {
          const o = k.create;
          // Published only on the chosen address.
          for (const binds of Object.values(o.HostConfig.PortBindings)) for (const b of binds) expect(b.HostIp).toBe(c.bindHost);
          expect(o.Labels['dev.slmdeck.managed']).toBe('true');
          expect(o.Labels['dev.slmdeck.deployment']).toBe(c.backend);
          expect(o.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
          expect(o.Healthcheck.Test[0]).toBe('CMD-SHELL');
          const cmd = o.Cmd ?? [];
          expect(cmd.includes('--enable-auto-tool-choice')).toBe(cmd.includes('--tool-call-parser'));
          if (c.mirror && c.backend !== 'onnx-engine') expect(o.Image.startsWith(`${c.mirror}/`)).toBe(true);
          if (c.backend === 'onnx-engine') expect(o.Image).toBe('slm-deck/onnx-engine:1.2.3');
          if (o.HostConfig.DeviceRequests) expect(['vllm-gpu', 'ollama']).toContain(c.backend);
        }
        expect(s.containers.length).toBe(c.backend === 'ollama' && c.openWebUi ? 2 : 1);
      }),
      { numRuns: 200 },
    );
  });

  it('publishes where asked, reaches a wildcard bind through the loopback, and warns in the preview', () => {
    const req = DeployInputSchema.parse({ ...defaultDeployConfig('ollama', '0.0.0.0') });
    const s = buildSpec(req, ctx());
    expect(server(s).HostConfig.PortBindings['11434/tcp'][0].HostIp).toBe('0.0.0.0');
    expect(s.endpoint.url).toBe('http://127.0.0.1:11434');
    const svc = new DockerService({
      conn: new DockerConnection({ endpointSetting: () => 'auto', log: silentLogger }),
      bus: new EventBus(),
      log: silentLogger,
      mirror: () => 'localhost:5000',
      hfToken: async () => null,
      hfTokenDir: '/tmp/hf',
      engineKeysDir: '/tmp/engine-keys',
      appVersion: '1.2.3',
      engineVersion: '1.2.3',
      modelsDir: '/tmp/models',
    });
    const preview = svc.preview(req);
    expect(preview.spec.warnings.join(' ')).toMatch(/published on 0\.0\.0\.0: other machines/);
    expect(preview.compose).toContain('0.0.0.0:11434:11434');
    expect(svc.preview(DeployInputSchema.parse(defaultDeployConfig('ollama'))).spec.warnings).toEqual([]);
  });
});
