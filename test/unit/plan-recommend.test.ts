import { describe, expect, it } from 'vitest';
import { DeploymentConfigSchema } from '../../electron/shared/contract/deploy-config';
import { PlanSchema } from '../../electron/shared/contract/hardware';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { buildPlan } from '../../electron/core/hardware/plan';
import { formatPlan } from '../../electron/cli/commands/hardware';
import { dockerDown, dockerUp, GIB, makeProfile, nvidiaGpu } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();
const plan = (p: ReturnType<typeof makeProfile>, o: { context?: number; parallel?: number } = {}) => {
  const result = buildPlan(catalog, p, { bindHost: '127.0.0.1', ...o });
  // Whatever the machine, the plan is valid and the config is one the Deploy page can start as is.
  expect(PlanSchema.parse(result)).toEqual(result);
  DeploymentConfigSchema.parse(result.recommendation.config);
  return result;
};

describe('recommendation follows the seed tiers and the machine', () => {
  it('NVIDIA GPU with 24 GiB that Docker can use: vLLM on the GPU at 8K (GPU production)', () => {
    const r = plan(makeProfile({ gpus: [nvidiaGpu({ name: 'NVIDIA GeForce RTX 4090', vramMiB: 24564, cc: '8.9' })], docker: dockerUp({ gpuPassthrough: true, nvidiaRuntime: true }) })).recommendation;
    expect(r.tier).toBe('gpu-production');
    expect(r.config).toMatchObject({
      backend: 'vllm-gpu',
      model: 'phi-4-mini-instruct/vllm-bf16',
      hostPort: 8000,
      bindHost: '127.0.0.1',
      contextLength: 8192,
      parallel: 4,
      gpus: ['0'],
      memoryLimitGb: 12,
      cpus: null,
      vllm: { gpuMemoryUtilization: 0.8, toolCalling: true, toolCallParser: 'phi4_mini_json', dtype: 'bfloat16' },
    });
    expect(r.why.join(' ')).toContain('vLLM fits');
  });

  it('an 8 GiB card: vLLM’s reservation is too small for bf16 weights, so Ollama q4_K_M on the GPU', () => {
    const r = plan(makeProfile({ gpus: [nvidiaGpu({ name: 'NVIDIA GeForce RTX 3070', vramMiB: 8192 })], docker: dockerUp({ gpuPassthrough: true, nvidiaRuntime: true }) })).recommendation;
    expect(r.config).toMatchObject({ backend: 'ollama', model: 'phi-4-mini-instruct/ollama-q4_K_M', gpus: ['0'], memoryLimitGb: null });
    expect(r.row.estimate.memory).toBe('vram');
    expect(r.why.join(' ')).toMatch(/vLLM is not a good fit: The weights and runtime .* do not fit in vLLM's 6.40 GiB reservation/);
  });

  it('a Turing card gets float16, since bf16 needs compute capability 8.0', () => {
    const r = plan(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 24576, cc: '7.5' })], docker: dockerUp({ gpuPassthrough: true }) })).recommendation;
    expect(r.config.vllm?.dtype).toBe('float16');
  });

  it('a GPU Docker cannot reach: Ollama on the CPU, and the fix is named', () => {
    const r = plan(makeProfile({ gpus: [nvidiaGpu({ vramMiB: 24576 })] })).recommendation;
    expect(r.config).toMatchObject({ backend: 'ollama', gpus: [] });
    expect(r.why.join(' ')).toContain('Install the NVIDIA Container Toolkit');
  });

  it('no GPU and 32 GiB of RAM: Ollama CPU production with the seed’s 4 parallel requests', () => {
    const p = plan(makeProfile({ ramGiB: 32, cores: 8 }));
    const r = p.recommendation;
    expect(r.tier).toBe('cpu-production');
    expect(r.config).toMatchObject({
      backend: 'ollama',
      model: 'phi-4-mini-instruct/ollama-q4_K_M',
      hostPort: 11434,
      contextLength: 4096,
      parallel: 4,
      gpus: [],
      // ceil(6.28 GiB + 1): weights, 2 GiB KV, Ollama's graph estimate, logits
      memoryLimitGb: 8,
      // 16 threads, one left for the desktop
      cpus: 15,
      env: { OLLAMA_NUM_PARALLEL: '4', OLLAMA_MAX_LOADED_MODELS: '1', OLLAMA_FLASH_ATTENTION: '1', OLLAMA_CONTEXT_LENGTH: '4096' },
      openWebUi: false,
    });
    expect(r.row.estimate.totalBytes).toBe(6_745_952_456);
    expect(r.why).toContain(
      'At 4,096 tokens × 4 sequences it needs 6.28 GiB = 2.33 GiB weights + 2.00 GiB KV cache + 1.57 GiB runtime + 391 MiB logits; compared with 27.00 GiB (RAM available now, minus 1 GiB kept for the system).',
    );
    // The table is planned at its own context and parallelism.
    expect(p.rows.every((row) => row.context === 4096 && row.parallel === 1)).toBe(true);
  });

  it('8 GB laptop: development tier; fewer parallel requests when 4 would not fit', () => {
    const r = plan(makeProfile({ ramGiB: 8, availableGiB: 4.5 })).recommendation;
    expect(r.tier).toBe('development');
    expect(r.config.backend).toBe('ollama');
    // 4 parallel needs 5.21 GiB, 2 needs 4.21 GiB, 1 needs 3.71 GiB; 3.5 GiB is free after the reserve.
    expect(r.config.parallel).toBe(1);
    expect(r.row.verdict).toBe('tight');
    expect(r.why.join(' ')).toContain('Caution');
  });

  it('little RAM: edge-optimised, the 4-bit form that needs least, with the other one’s need stated', () => {
    const r = plan(makeProfile({ ramGiB: 6, availableGiB: 5.5 })).recommendation;
    expect(r.tier).toBe('edge-optimised');
    expect(r.config.model).toBe('phi-4-mini-instruct/ollama-q4_K_M');
    expect(r.why.join(' ')).toMatch(/ONNX engine \(Docker\) with ONNX cpu-int4 .* would need 6.41 GiB/);
  });

  it('no Docker: the embedded ONNX engine, with Docker’s hint for later', () => {
    const r = plan(makeProfile({ docker: dockerDown })).recommendation;
    expect(r.config).toMatchObject({ backend: 'embedded', model: 'phi-4-mini-instruct/onnx-cpu-int4', gpus: [], memoryLimitGb: null, cpus: null, hostPort: 8081 });
    expect(r.why[0]).toContain('Docker is not reachable (Docker is installed but not running (no socket at unix:///var/run/docker.sock)), so');
    expect(r.why.join(' ')).toContain('Start Docker: `sudo systemctl start docker`.');
  });

  it('an NVIDIA GPU but no Docker: the embedded engine on the CPU, never a GPU build it cannot run on the GPU', () => {
    const p = plan(makeProfile({ gpus: [nvidiaGpu({ name: 'NVIDIA GeForce RTX 4090', vramMiB: 24564, cc: '8.9' })], docker: dockerDown }));
    expect(p.recommendation.config).toMatchObject({ backend: 'embedded', model: 'phi-4-mini-instruct/onnx-cpu-int4', gpus: [] });
    expect(p.recommendation.row.estimate.memory).toBe('ram');
    const gpuRow = p.rows.find((r) => r.backend === 'embedded' && r.model.endsWith('/onnx-gpu-int4'))!;
    expect(gpuRow).toMatchObject({ verdict: 'unavailable', reason: expect.stringContaining("SLM Deck's ONNX engine runs on the CPU") });
  });

  it('a native Ollama on 11434 moves the container to 11435 and says why', () => {
    const r = plan(makeProfile({ ollama: { reachable: true, url: 'http://127.0.0.1:11434', version: '0.12.6' } })).recommendation;
    expect(r.config.hostPort).toBe(11435);
    expect(r.why.join(' ')).toContain('Your native Ollama already uses port 11434, so the container is published on 11435.');
  });

  it('Apple Silicon: containers run on the CPU, and the plan says a native Ollama would use Metal', () => {
    const p = makeProfile({ platform: 'darwin', ramGiB: 32, docker: dockerUp({ operatingSystem: 'Docker Desktop', memTotalBytes: 8 * GIB }) });
    p.gpus = [{ ...nvidiaGpu({ vramMiB: 32 * 1024 }), vendor: 'apple', name: 'Apple M2 Pro', api: 'metal', unifiedMemory: true, source: 'system_profiler', computeCapability: 'Metal 3' }];
    const r = plan(p).recommendation;
    expect(r.config).toMatchObject({ backend: 'ollama', gpus: [] });
    expect(r.why.join(' ')).toContain('(found: Apple M2 Pro)');
    expect(r.why.join(' ')).toContain('Docker on macOS cannot reach the Apple GPU');
    // Docker Desktop's 8 GiB VM is the budget, not the Mac's 32 GiB.
    expect(r.row.estimate.checks[1].detail).toContain("Docker's 8.00 GiB memory limit");
  });

  it('an asked-for context and parallelism are kept as given', () => {
    const r = plan(makeProfile({ ramGiB: 64 }), { context: 16_384, parallel: 2 }).recommendation;
    expect(r.config).toMatchObject({ contextLength: 16_384, parallel: 2, env: { OLLAMA_CONTEXT_LENGTH: '16384', OLLAMA_NUM_PARALLEL: '2' } });
  });

  it('the plan states the facts it used', () => {
    const p = plan(makeProfile({ ramGiB: 16, availableGiB: 12 }));
    expect(p.facts).toContain('Memory: 16.00 GiB in total, 12.00 GiB available now, no swap.');
    expect(p.facts.join('\n')).toContain('GPU: none found (nvidia-smi is not installed).');
  });

  it('`slm-deck plan` prints the reasons, every term with its formula, and the config', () => {
    const text = formatPlan(plan(makeProfile({ ramGiB: 32 })));
    expect(text).toContain('Recommended for this machine (CPU production tier):');
    expect(text).toMatch(/KV cache \(fp16\) +2\.00 GiB/);
    expect(text).toContain('2 (K and V) × 32 layers × 8 KV heads × 128 head dim × 2 B × 4,096 tokens × 4 parallel requests (OLLAMA_NUM_PARALLEL) = 2,147,483,648 B = 2.00 GiB');
    expect(text).toContain('512 tokens × 200,064 vocabulary × 4 B = 391 MiB');
    expect(text).toContain('env OLLAMA_NUM_PARALLEL');
    expect(text).toMatch(/vllm-gpu\s+vllm-bf16\s+Not available/);
    expect(text).toMatch(new RegExp(`Total +${(6_745_952_456 / GIB).toFixed(2)} GiB`));
  });
});
