import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { evaluate, machineView } from '../../electron/core/hardware/estimate';
import { buildPlan } from '../../electron/core/hardware/plan';
import { defaultDeployConfig } from '../../electron/core/backends';
import { dockerUp, GIB, makeProfile } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();
const model = catalog.models[0];

/** The estimate of the same backend, form, context and parallel as a config. */
function estimateOf(p: ReturnType<typeof makeProfile>, c: { backend: string; model: string; contextLength: number; parallel: number }) {
  const form = model.forms.find((f) => `${model.id}/${f.id}` === c.model)!;
  return evaluate(catalog, { backend: c.backend as never, model, form, context: c.contextLength, parallel: c.parallel }, machineView(p)).estimate;
}

describe('deploy defaults come from the machine and the planner', () => {
  // This machine: 2 cores, Docker reports 2.
  const small = makeProfile({ cores: 1, ramGiB: 16, docker: dockerUp({ ncpu: 2 }) });
  const plan = buildPlan(catalog, small, { bindHost: '127.0.0.1' });

  it('one config per Docker backend; none asks for more CPUs than Docker has', () => {
    expect(plan.configs.map((c) => c.backend).sort()).toEqual(['llama-cpp', 'ollama', 'onnx-engine', 'vllm-cpu', 'vllm-gpu']);
    for (const c of plan.configs) expect(c.cpus === null || c.cpus <= 2).toBe(true);
  });

  it('caps at the cores Docker reports when its VM has fewer than the host', () => {
    const vm = buildPlan(catalog, makeProfile({ cores: 8, docker: dockerUp({ ncpu: 6 }) }), { bindHost: '127.0.0.1' });
    const cpu = vm.configs.find((c) => c.backend === 'vllm-cpu')!;
    expect(cpu.cpus).toBe(5); // 6 Docker cores, one left for the desktop; the host has 16
  });

  it('memory limits are never below the planner estimate for the same form, context and parallel', () => {
    expect(plan.configs.filter((c) => c.memoryLimitGb !== null).map((c) => c.backend).sort()).toEqual(['llama-cpp', 'ollama', 'onnx-engine', 'vllm-cpu', 'vllm-gpu']);
    for (const c of plan.configs) {
      if (c.memoryLimitGb === null) continue;
      expect(c.memoryLimitGb * GIB).toBeGreaterThanOrEqual(estimateOf(small, c).totalBytes);
    }
  });

  it('the recommendation, the cards and the form agree on parallel requests', () => {
    const rec = plan.recommendation.config;
    expect(plan.configs.find((c) => c.backend === rec.backend)).toEqual(rec);
    const fitting = plan.configs.filter((c) => c.backend !== 'vllm-gpu');
    expect(new Set(fitting.map((c) => c.parallel))).toEqual(new Set([rec.parallel]));
  });

  it("vLLM CPU: the estimate's KV term is the VLLM_CPU_KVCACHE_SPACE the config sets (whole GiB, rounded up)", () => {
    const c = plan.configs.find((x) => x.backend === 'vllm-cpu')!;
    const kv = estimateOf(small, c).terms.find((t) => t.key === 'kv-cache')!;
    // 128 KiB per token (bf16 KV of Phi-4-mini) × 4096 × parallel, rounded up to whole GiB.
    const exact = 2 * 32 * 8 * 128 * 2 * c.contextLength * c.parallel;
    expect(c.vllm?.cpuKvCacheGb).toBe(Math.max(1, Math.ceil(exact / GIB)));
    expect(kv.bytes).toBe(c.vllm!.cpuKvCacheGb! * GIB);
    expect(kv.formula).toContain(`VLLM_CPU_KVCACHE_SPACE=${c.vllm!.cpuKvCacheGb}`);
  });

  it("ONNX engine: the KV term is every slot's float32 buffer at the full context (engine/kv-cache.ts grows it up to the context)", () => {
    const c = plan.configs.find((x) => x.backend === 'onnx-engine')!;
    const kv = estimateOf(small, c).terms.find((t) => t.key === 'kv-cache')!;
    expect(kv.bytes).toBe(2 * 32 * 8 * 128 * 4 * c.contextLength * c.parallel);
    expect(kv.label).toBe('KV cache (fp32)');
    expect(kv.formula).toContain('grows up to the full context');
  });

  it('Ollama: the overhead is the graph Ollama itself estimates for phi3 (GQA × KV / 6) plus one layer', () => {
    const c = plan.configs.find((x) => x.backend === 'ollama')!;
    const terms = estimateOf(small, c).terms;
    const kv = terms.find((t) => t.key === 'kv-cache')!.bytes;
    const runtime = terms.find((t) => t.key === 'runtime')!;
    expect(runtime.bytes).toBe(Math.floor((3 * kv) / 6) + Math.ceil(2_500_000_000 / 32) + 512 * 1024 ** 2);
    expect(runtime.formula).toContain('Ollama llm/memory.go');
  });

  it('bf16 weights keep a bf16 KV cache, and say so', () => {
    const c = plan.configs.find((x) => x.backend === 'vllm-cpu')!;
    expect(estimateOf(small, c).terms.find((t) => t.key === 'kv-cache')!.label).toBe('KV cache (bf16)');
  });

  it("the seed's fallback drops a CPU limit the machine cannot give", () => {
    expect(defaultDeployConfig('onnx-engine', '127.0.0.1', 2).cpus).toBeNull();
    expect(defaultDeployConfig('vllm-cpu', '127.0.0.1', 8).cpus).toBe(4);
  });
});
