import { describe, expect, it } from 'vitest';
import { defaultDeployConfig, dockerBackendIds } from '../../electron/core/backends';
import { bundledCatalog } from '../../electron/core/hardware/catalog';
import { evaluate, machineView } from '../../electron/core/hardware/estimate';
import { memoryFloor, refuseMemoryBelowPlan } from '../../electron/core/hardware/memory-floor';
import { buildPlan } from '../../electron/core/hardware/plan';
import type { DeploymentConfig } from '../../electron/shared/contract/deploy-config';
import { DeckError } from '../../electron/shared/errors';
import { dockerUp, GIB, makeProfile } from '../fixtures/hardware/profiles';

const catalog = bundledCatalog();
const model = catalog.models[0];
const ollama = { ...defaultDeployConfig('ollama'), contextLength: 4096, parallel: 4 };

/** The planner's own total for the same backend, form, context and parallel (its fit row). */
function plannerTotal(c: DeploymentConfig): number {
  const form = model.forms.find((f) => `${model.id}/${f.id}` === c.model)!;
  return evaluate(catalog, { backend: c.backend, model, form, context: c.contextLength, parallel: c.parallel, options: { llamaCpp: c.llamaCpp } }, machineView(makeProfile({}))).estimate.totalBytes;
}

function refusal(c: DeploymentConfig & { force?: boolean }): DeckError | null {
  try {
    refuseMemoryBelowPlan(c);
    return null;
  } catch (e) {
    return e as DeckError;
  }
}

describe('an explicit memory limit below the planner estimate is refused with the number it needs', () => {
  it('the floor is the planner estimate of the same backend, form, context and parallel', () => {
    const floor = memoryFloor(ollama)!;
    expect(floor.bytes).toBe(plannerTotal(ollama));
    expect(floor.bytes).toBe(6_745_952_456); // 6.28 GiB: q4_K_M weights, 2 GiB KV, Ollama's graph, logits (plan-recommend.test.ts)
    expect(floor.gb).toBe(6.3);
  });

  it('below: refused as invalid_input naming the limit, the estimate, the context and parallel, on the memory field', () => {
    const e = refusal({ ...ollama, memoryLimitGb: 4 })!;
    expect(e).toBeInstanceOf(DeckError);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toBe(
      "A 4 GiB memory limit is too small: needs at least 6.3 GiB for Ollama (Docker) with phi4-mini:3.8b-q4_K_M (GGUF 4-bit) at 4,096-token context × 4 parallel requests (the planner's estimate: 6.28 GiB).",
    );
    expect(e.hint).toBe('Raise the memory limit to 6.3 GiB or more (or no limit), or lower the context length or parallel requests, or deploy anyway (force).');
    expect(e.details).toEqual([{ path: ['memoryLimitGb'], message: expect.stringContaining('needs at least 6.3 GiB') }]);
  });

  it('equal to or above the estimate, no limit, or force: accepted', () => {
    expect(refusal({ ...ollama, memoryLimitGb: 6.3 })).toBeNull();
    expect(refusal({ ...ollama, memoryLimitGb: plannerTotal(ollama) / GIB })).toBeNull();
    expect(refusal({ ...ollama, memoryLimitGb: 12 })).toBeNull();
    expect(refusal({ ...ollama, memoryLimitGb: null })).toBeNull();
    expect(refusal({ ...ollama, memoryLimitGb: 1, force: true })).toBeNull();
  });

  it('lowering the context or parallel requests lowers the number it asks for', () => {
    const one = refusal({ ...ollama, memoryLimitGb: 1, parallel: 1 })!;
    expect(one.message).toContain(`needs at least ${memoryFloor({ ...ollama, parallel: 1 })!.gb} GiB`);
    expect(memoryFloor({ ...ollama, parallel: 1 })!.gb).toBeLessThan(memoryFloor(ollama)!.gb);
    expect(memoryFloor({ ...ollama, contextLength: 1024 })!.gb).toBeLessThan(memoryFloor(ollama)!.gb);
  });

  it('no estimate, no refusal: a model the catalog does not list, or a model on the GPU', () => {
    expect(refusal({ ...ollama, model: 'llama3.2:1b', memoryLimitGb: 1 })).toBeNull();
    expect(refusal({ ...ollama, gpus: ['0'], memoryLimitGb: 1 })).toBeNull();
    expect(refusal({ ...defaultDeployConfig('vllm-gpu'), memoryLimitGb: 1 })).toBeNull();
  });

  it("the defaults pass: every backend's own defaults and the planner's configs on a small machine", () => {
    for (const id of dockerBackendIds()) expect(refusal(defaultDeployConfig(id)), id).toBeNull();
    const plan = buildPlan(catalog, makeProfile({ cores: 1, ramGiB: 16, docker: dockerUp({ ncpu: 2 }) }), { bindHost: '127.0.0.1' });
    for (const c of plan.configs) expect(refusal(c), c.backend).toBeNull();
  });

  it("vLLM CPU's own default was raised to 12 GiB: its 8 GiB was below the 10.65 GiB estimate at 4,096 × 4", () => {
    const d = defaultDeployConfig('vllm-cpu');
    expect(d.memoryLimitGb).toBe(12);
    expect(memoryFloor(d)!.gb).toBe(10.7);
    expect(refusal({ ...d, memoryLimitGb: 8 })!.message).toContain('needs at least 10.7 GiB for vLLM (CPU, Docker) with');
  });
});
