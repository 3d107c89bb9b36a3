import { describe, expect, it } from 'vitest';
import catalogJson from '../../resources/catalog/models.json';
import { bundledCatalog, parseCatalog, resolveForm } from '../../electron/core/hardware/catalog';
import { kvBytesPerToken } from '../../electron/core/hardware/estimate';
import { buildPlan } from '../../electron/core/hardware/plan';
import { makeProfile } from '../fixtures/hardware/profiles';

describe('model catalog (resources/catalog/models.json)', () => {
  it('validates and holds Phi-4-mini in every form the backends use', () => {
    const c = bundledCatalog();
    const phi = c.models[0];
    expect(phi.architecture).toEqual({ layers: 32, attentionHeads: 24, kvHeads: 8, headDim: 128, hiddenSize: 3072, vocabSize: 200064, maxContext: 131072 });
    expect(phi.forms.map((f) => [f.id, f.backends.join('+'), f.ollamaTag ?? f.hfFolder ?? f.hfRepo ?? '-'])).toEqual([
      ['ollama-q4_K_M', 'ollama', 'phi4-mini:3.8b-q4_K_M'],
      ['ollama-q8_0', 'ollama', 'phi4-mini:3.8b-q8_0'],
      ['ollama-fp16', 'ollama', 'phi4-mini:3.8b-fp16'],
      ['llama-cpp-q4_K_M', 'llama-cpp', 'bartowski/microsoft_Phi-4-mini-instruct-GGUF'],
      ['vllm-bf16', 'vllm-gpu+vllm-cpu', 'microsoft/Phi-4-mini-instruct'],
      ['vllm-awq', 'vllm-gpu', '-'],
      ['onnx-cpu-int4', 'onnx-engine+embedded', 'cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4'],
      ['onnx-gpu-int4', 'onnx-engine+embedded', 'gpu/gpu-int4-rtn-block-32'],
    ]);
    expect(resolveForm(c, 'phi-4-mini-instruct/ollama-q4_K_M').form.weightsBytes).toBe(2.5e9);
  });

  it('names the known forms when a reference is wrong', () => {
    expect(() => resolveForm(bundledCatalog(), 'phi-4-mini-instruct/q2')).toThrow(/No model form "phi-4-mini-instruct\/q2"/);
  });

  it('rejects a bad edit loudly', () => {
    const broken = structuredClone(catalogJson) as { models: Array<{ architecture: { kvHeads: unknown } }> };
    broken.models[0].architecture.kvHeads = 'eight';
    expect(() => parseCatalog(broken)).toThrow(/models\.0\.architecture\.kvHeads/);
    const twice = structuredClone(catalogJson) as { models: Array<{ forms: unknown[] }> };
    twice.models[0].forms.push(twice.models[0].forms[0]);
    expect(() => parseCatalog(twice)).toThrow(/lists phi-4-mini-instruct\/ollama-q4_K_M twice/);
  });

  it('takes another small model by adding data, not code', () => {
    const raw = structuredClone(catalogJson) as { models: unknown[] };
    raw.models.push({
      id: 'qwen2.5-1.5b-instruct',
      name: 'Qwen2.5-1.5B-Instruct',
      publisher: 'Alibaba',
      parameters: 1.54e9,
      license: 'Apache-2.0',
      architecture: { layers: 28, attentionHeads: 12, kvHeads: 2, headDim: 128, hiddenSize: 1536, vocabSize: 151936, maxContext: 32768 },
      forms: [
        { id: 'ollama-q4_K_M', label: 'qwen2.5:1.5b', backends: ['ollama'], format: 'gguf', precision: 'q4_K_M', weightsBytes: 986e6, weightsSource: 'ollama.com lists 986MB', kvBytesPerElement: 2, device: 'any', ollamaTag: 'qwen2.5:1.5b' },
      ],
    });
    const c = parseCatalog(raw);
    const qwen = c.models[1];
    // 2 x 28 layers x 2 KV heads x 128 x 2 B = 28 KiB per token.
    expect(kvBytesPerToken(qwen, qwen.forms[0])).toBe(28_672);
    const plan = buildPlan(c, makeProfile({ ramGiB: 16 }), { model: 'qwen2.5-1.5b-instruct', bindHost: '127.0.0.1' });
    expect(plan.model).toEqual({ id: 'qwen2.5-1.5b-instruct', name: 'Qwen2.5-1.5B-Instruct', maxContext: 32768 });
    expect(plan.rows).toHaveLength(1);
    expect(plan.rows[0].estimate.terms.find((t) => t.key === 'kv-cache')!.bytes).toBe(28_672 * 4096);
    expect(plan.recommendation.config).toMatchObject({ backend: 'ollama', model: 'qwen2.5-1.5b-instruct/ollama-q4_K_M' });
    let err: unknown;
    try {
      buildPlan(c, makeProfile(), { model: 'llama-9', bindHost: '127.0.0.1' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'not_found', message: 'No model "llama-9" in the catalog.', hint: 'Known models: phi-4-mini-instruct, qwen2.5-1.5b-instruct' });
  });
});
