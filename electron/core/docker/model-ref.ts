import type { Backend } from '../../shared/contract/deploy-config';

/** What a backend's server must be told to load. */
export interface ResolvedModel {
  /** vLLM: a Hugging Face repo; Ollama: a model tag; onnx-engine: the model folder's name. */
  served: string;
  /** True only for AWQ checkpoints: `--quantization awq` fails on anything else. */
  awqCheckpoint: boolean;
  /** vLLM `--tool-call-parser` for this model family, when known. */
  toolCallParser?: string;
  /** Longest context the model supports, when known: requests above it are refused. */
  maxContext?: number;
  /** The checkpoint needs vLLM's --trust-remote-code (runs Python from its repo); off unless the catalog says so. */
  trustRemoteCode?: boolean;
}

/** Phi-4-mini-instruct's context window (128K). */
const PHI4_MINI_MAX_CONTEXT = 131_072;

/** Catalog lookups can be plugged in; return null to fall back to the built-in rules. */
export type ModelResolver = (backend: Backend, model: string) => ResolvedModel | null;

const PHI4_MINI = /^phi-?4-mini(-instruct)?$/i;

/**
 * Built-in rules for the model ids the planner produces (`phi-4-mini-instruct/ollama-q4_K_M`,
 * `phi-4-mini-instruct/vllm-bf16`, `phi-4-mini-instruct/onnx-cpu-int4`) and for plain
 * names a person types (`microsoft/Phi-4-mini-instruct`, `phi4-mini:3.8b-q8_0`).
 */
export function builtinResolveModel(backend: Backend, model: string): ResolvedModel {
  const m = model.trim();
  const [family, form] = m.includes('/') ? [m.slice(0, m.indexOf('/')), m.slice(m.indexOf('/') + 1)] : [m, ''];
  const isPhi = PHI4_MINI.test(family);
  if (backend === 'ollama') {
    if (isPhi) {
      const quant = /^ollama-(.+)$/.exec(form)?.[1];
      return { served: quant ? `phi4-mini:3.8b-${quant}` : 'phi4-mini', awqCheckpoint: false, maxContext: PHI4_MINI_MAX_CONTEXT };
    }
    return { served: m, awqCheckpoint: false };
  }
  if (backend === 'vllm-gpu' || backend === 'vllm-cpu') {
    if (isPhi && (form === '' || /^vllm(-(bf16|fp16|auto))?$/.test(form))) {
      return { served: 'microsoft/Phi-4-mini-instruct', awqCheckpoint: false, toolCallParser: 'phi4_mini_json', maxContext: PHI4_MINI_MAX_CONTEXT };
    }
    const phiRepo = /phi-4-mini/i.test(m);
    return { served: m, awqCheckpoint: /(^|[-_/])awq([-_/]|$)/i.test(m), ...(phiRepo ? { toolCallParser: 'phi4_mini_json' } : {}) };
  }
  // onnx-engine / embedded: a folder, named after the last path segment.
  const leaf = m.split(/[\\/]/).filter(Boolean).pop() ?? m;
  return { served: leaf, awqCheckpoint: false };
}
