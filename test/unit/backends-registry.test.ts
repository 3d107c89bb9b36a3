import { describe, expect, it } from 'vitest';
import { backendDefinitions, backendInfos, defaultDeployConfig } from '../../electron/core/backends';
import { profileBackend } from '../../electron/core/bench/backend-profile';
import { catalogModelResolver } from '../../electron/core/docker/catalog-resolver';
import { composeYaml } from '../../electron/core/docker/compose';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import { withResolver, type SpecContext } from '../../electron/core/docker/specs/common';
import { bundledCatalog, findModel } from '../../electron/core/hardware/catalog';
import { estimateTerms, machineView } from '../../electron/core/hardware/estimate';
import { buildPlan } from '../../electron/core/hardware/plan';
import { engineCounters } from '../../electron/core/metrics/engine-parse';
import { parsePrometheus } from '../../electron/core/metrics/prometheus';
import { BackendInfoSchema } from '../../electron/shared/contract/backends';
import { BACKEND_IDS, DeploymentConfigSchema } from '../../electron/shared/contract/deploy-config';
import { DeployInputSchema, type DeployInput, type Deployment } from '../../electron/shared/contract/docker';
import { dockerUp, makeProfile, MIB, nvidiaGpu } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();
const phi = findModel(catalog, 'phi-4-mini-instruct');
const ctx: SpecContext = {
  mirror: '',
  engineVersion: '1.2.3',
  appVersion: '1.2.3',
  modelsDir: '/models',
  arch: 'x86_64',
  hfTokenDir: null,
  resolveModel: withResolver(catalogModelResolver(() => catalog), builtinResolveModel),
};
const spec = (input: DeployInput, c = ctx) => buildSpec(DeployInputSchema.parse(input), c);

describe('the backend registry', () => {
  it('has one definition per contract id, in display order, each serialisable as backends.list returns it', () => {
    expect(backendDefinitions().map((d) => d.info.id)).toEqual([...BACKEND_IDS]);
    for (const info of backendInfos()) {
      expect(BackendInfoSchema.parse(JSON.parse(JSON.stringify(info)))).toEqual(info);
      if (info.defaults) {
        expect(DeploymentConfigSchema.parse(info.defaults).backend).toBe(info.id);
        expect(info.runsIn).toBe('docker');
      }
    }
  });

  it('gives every Docker backend a spec with its own container port, and every catalog form a backend that can serve it', () => {
    for (const d of backendDefinitions().filter((b) => b.info.runsIn === 'docker')) {
      const s = spec({ ...defaultDeployConfig(d.info.id), modelPath: '/m' });
      expect(s.backend).toBe(d.info.id);
      expect(s.containers[0].containerPort).toBe(d.info.containerPort);
      expect(s.endpoint.api).toBe(d.info.chatProtocol);
    }
    for (const f of phi.forms) for (const b of f.backends) expect(catalog.runtimes[b]).toBeDefined();
  });

  it('the seed defaults come back published on the given address, and in-app backends have none', () => {
    expect(defaultDeployConfig('ollama', '0.0.0.0')).toMatchObject({ backend: 'ollama', bindHost: '0.0.0.0', hostPort: 11434 });
    expect(() => defaultDeployConfig('embedded')).toThrow(/runs inside SLM Deck/);
  });
});

describe('llama.cpp server (llama-cpp)', () => {
  it('runs the official CPU image with -hf REPO:QUANT, --jinja, total context for its slots, metrics, and the cache volume', () => {
    const s = spec({ ...defaultDeployConfig('llama-cpp'), name: 'llama', contextLength: 4096, parallel: 2 });
    const c = s.containers[0].create;
    expect(c.Image).toBe('ghcr.io/ggml-org/llama.cpp:server');
    expect(c.Cmd).toEqual([
      '-hf', 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M',
      '--alias', 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M',
      '--jinja', '-c', '8192', '-np', '2', '--host', '0.0.0.0', '--port', '8080', '--metrics',
    ]);
    expect(c.Env).toContain('LLAMA_CACHE=/root/.cache/llama.cpp');
    expect(c.HostConfig.Mounts).toEqual([{ Type: 'volume', Source: 'slm-deck-llama-cache', Target: '/root/.cache/llama.cpp' }]);
    expect(c.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '8090' }] });
    expect(c.Healthcheck.Test[1]).toContain('http://127.0.0.1:8080/health');
    expect(c.HostConfig.DeviceRequests).toBeUndefined();
    expect(s.endpoint).toMatchObject({ url: 'http://127.0.0.1:8090', api: 'openai', model: 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M' });
    expect(s.volumes.map((v) => v.name)).toEqual(['slm-deck-llama-cache']);
  });

  it('with GPUs: the CUDA image, the device request and every layer offloaded; q8_0 KV cache on request; the mirror rewrites the image', () => {
    const s = spec({ ...defaultDeployConfig('llama-cpp', '0.0.0.0'), gpus: ['0'], llamaCpp: { kvCacheType: 'q8_0' } }, { ...ctx, mirror: 'localhost:5000' });
    const c = s.containers[0].create;
    expect(c.Image).toBe('localhost:5000/ggml-org/llama.cpp:server-cuda');
    expect(c.HostConfig.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
    expect(c.Cmd).toEqual(expect.arrayContaining(['-ngl', '999', '--cache-type-k', 'q8_0', '--cache-type-v', 'q8_0']));
    expect(c.HostConfig.PortBindings['8080/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '8090' }]);
    expect(composeYaml(s, '1.2.3')).toContain('ghcr.io/ggml-org/llama.cpp:server-cuda'.replace('ghcr.io', 'localhost:5000'));
  });

  it('takes a typed REPO:QUANT as is, and refuses a catalog form made for another backend', () => {
    expect(spec({ ...defaultDeployConfig('llama-cpp'), model: 'unsloth/Phi-4-mini-instruct-GGUF:Q8_0' }).endpoint.model).toBe('unsloth/Phi-4-mini-instruct-GGUF:Q8_0');
    expect(() => spec({ ...defaultDeployConfig('llama-cpp'), model: 'phi-4-mini-instruct/ollama-q4_K_M' })).toThrow(/cannot run on llama-cpp/);
  });

  it('has a plan row: GGUF weights from the catalog, f16 KV for every slot, and llama.cpp compute buffers', () => {
    const plan = buildPlan(catalog, makeProfile({ ramGiB: 32, availableGiB: 24 }), { bindHost: '127.0.0.1', context: 4096, parallel: 2 });
    const row = plan.rows.find((r) => r.backend === 'llama-cpp')!;
    expect(row).toMatchObject({ model: 'phi-4-mini-instruct/llama-cpp-q4_K_M', verdict: 'fits' });
    const bytes = Object.fromEntries(row.estimate.terms.map((t) => [t.key, t.bytes]));
    expect(bytes).toEqual({ weights: 2_490_000_000, 'kv-cache': 2 * 512 * MIB, runtime: 512 * MIB, logits: 512 * 200_064 * 4 });
    expect(row.estimate.terms.find((t) => t.key === 'kv-cache')!.label).toBe('KV cache (fp16)');
  });

  it('q8_0 KV takes 34/32 bytes per element, and a passed-through NVIDIA GPU puts it in VRAM', () => {
    const form = phi.forms.find((f) => f.id === 'llama-cpp-q4_K_M')!;
    const terms = estimateTerms(catalog, { backend: 'llama-cpp', model: phi, form, context: 4096, parallel: 1, options: { llamaCpp: { kvCacheType: 'q8_0' } } });
    const kv = terms.find((t) => t.key === 'kv-cache')!;
    expect(kv).toMatchObject({ label: 'KV cache (q8_0)', bytes: 2 * 32 * 8 * 128 * (34 / 32) * 4096 });
    const gpuBox = makeProfile({ gpus: [nvidiaGpu({ vramMiB: 8192, usedMiB: 1024 })], docker: dockerUp({ gpuPassthrough: true, nvidiaRuntime: true }) });
    const row = buildPlan(catalog, gpuBox, { bindHost: '127.0.0.1' }).rows.find((r) => r.backend === 'llama-cpp')!;
    expect(row.estimate.memory).toBe('vram');
    expect(machineView(gpuBox).cudaGpu).not.toBeNull();
  });

  it('its /metrics names give the monitor tokens, running and deferred requests and KV use', () => {
    const text = [
      '# TYPE llamacpp:tokens_predicted_total counter',
      'llamacpp:tokens_predicted_total 3469',
      'llamacpp:prompt_tokens_total 6886',
      'llamacpp:requests_processing 2',
      'llamacpp:requests_deferred 1',
      'llamacpp:kv_cache_usage_ratio 0.25',
    ].join('\n');
    expect(engineCounters(parsePrometheus(text))).toEqual({ generationTokens: 3469, running: 2, waiting: 1, kvCachePercent: 25, kvCacheBytes: null });
  });

  it('a llama-cpp deployment is benchmarked as the llama.cpp family', () => {
    const d = { name: 'llama', backend: 'llama-cpp', containers: [{ name: 'slm-deck-llama', role: 'server' }], gpu: null } as unknown as Deployment;
    const p = profileBackend({ id: 'docker:llama', kind: 'openai', baseUrl: 'http://127.0.0.1:8090/v1', label: 'llama', source: 'docker', removable: false }, { deployments: [d], hardware: null, models: [] });
    expect(p).toMatchObject({ family: 'llama-cpp', deployment: { backend: 'llama-cpp', container: 'slm-deck-llama' } });
  });
});
