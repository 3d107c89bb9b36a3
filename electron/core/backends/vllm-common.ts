import type { CatalogModel, ModelForm } from '../../shared/contract/hardware';
import type { ResolvedModel } from '../docker/model-ref';
import { PHI4_TOOL_PARSER } from '../docker/specs/vllm-args';
import type { BackendDefinition, ModelRef, PlannedConfigInput } from './types';

/** What both vLLM images share: Hugging Face repos as model names, the Phi-4-mini tool parser. */

/** The seed's `--gpu-memory-utilization`: the share of VRAM vLLM reserves up front. */
export const VLLM_GPU_MEMORY_UTILIZATION = 0.8;

export function vllmResolveModel(r: ModelRef): ResolvedModel {
  if (r.isPhi4Mini && (r.form === '' || /^vllm(-(bf16|fp16|auto))?$/.test(r.form))) {
    return { served: 'microsoft/Phi-4-mini-instruct', awqCheckpoint: false, toolCallParser: PHI4_TOOL_PARSER };
  }
  const phiRepo = /phi-4-mini/i.test(r.raw);
  return { served: r.raw, awqCheckpoint: /(^|[-_/])awq([-_/]|$)/i.test(r.raw), ...(phiRepo ? { toolCallParser: PHI4_TOOL_PARSER } : {}) };
}

export function vllmServedFromCatalog(model: CatalogModel, form: ModelForm, ref: string): ResolvedModel {
  return {
    served: form.hfRepo ?? ref,
    awqCheckpoint: /^awq/i.test(form.precision),
    trustRemoteCode: model.trustRemoteCode === true,
    ...(model.vllmToolCallParser ? { toolCallParser: model.vllmToolCallParser } : {}),
  };
}

/** Tool calling on when the model family has a parser (vLLM refuses auto tool choice without one). */
export function vllmToolOptions(c: PlannedConfigInput) {
  const parser = c.model.vllmToolCallParser;
  return { gpuMemoryUtilization: VLLM_GPU_MEMORY_UTILIZATION, toolCalling: Boolean(parser), ...(parser ? { toolCallParser: parser } : {}) };
}

/** Naming, chat, metrics and export, the same for both images. */
export const vllmServing = {
  resolveModel: vllmResolveModel,
  servedFromCatalog: vllmServedFromCatalog,
  // The phi4_mini_json tool parser cannot stream: tool turns go unstreamed.
  chat: { streamToolCalls: false },
  metricsKind: 'vllm',
  // Phi-4-mini-instruct's bf16 safetensors from Hugging Face on the first start.
  firstStartDownloadBytes: 7.7e9,
  export: { secretEnv: { HF_TOKEN: 'hf-token' } },
} satisfies Partial<BackendDefinition>;
