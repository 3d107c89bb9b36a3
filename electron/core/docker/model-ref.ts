import type { Backend } from '../../shared/contract/deploy-config';
import { backendDefinition, type ModelRef } from '../backends';

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

export function parseModelRef(model: string): ModelRef {
  const raw = model.trim();
  const slash = raw.indexOf('/');
  const [family, form] = slash >= 0 ? [raw.slice(0, slash), raw.slice(slash + 1)] : [raw, ''];
  return { raw, family, form, isPhi4Mini: PHI4_MINI.test(family) };
}

/**
 * Built-in rules for the model ids the planner produces (`phi-4-mini-instruct/ollama-q4_K_M`,
 * `phi-4-mini-instruct/vllm-bf16`, `phi-4-mini-instruct/onnx-cpu-int4`) and for plain
 * names a person types (`microsoft/Phi-4-mini-instruct`, `phi4-mini:3.8b-q8_0`): each
 * backend's definition reads them its own way.
 */
export function builtinResolveModel(backend: Backend, model: string): ResolvedModel {
  const ref = parseModelRef(model);
  const resolved = backendDefinition(backend).resolveModel(ref);
  return ref.isPhi4Mini ? { maxContext: PHI4_MINI_MAX_CONTEXT, ...resolved } : resolved;
}
