import type { BackendInfo } from '../../shared/contract/backends';
import { BACKEND_IDS, type Backend, type DeploymentConfig } from '../../shared/contract/deploy-config';
import { DeckError } from '../../shared/errors';
import { embedded } from './embedded';
import { llamaCpp } from './llama-cpp';
import { ollama } from './ollama';
import { onnxEngine } from './onnx-engine';
import type { BackendDefinition } from './types';
import { vllmCpu } from './vllm-cpu';
import { vllmGpu } from './vllm-gpu';

export type { BackendDefinition, ExportHooks, ModelRef, PlannerTerms } from './types';

/** Every backend, keyed by its id; the type makes a missing definition a compile error. */
const DEFINITIONS: Record<Backend, BackendDefinition> = {
  'vllm-gpu': vllmGpu,
  'vllm-cpu': vllmCpu,
  ollama,
  'onnx-engine': onnxEngine,
  'llama-cpp': llamaCpp,
  embedded,
};

export function backendDefinition(id: Backend): BackendDefinition {
  return DEFINITIONS[id];
}

/** The definitions in display order (BACKEND_IDS). */
export function backendDefinitions(): BackendDefinition[] {
  return BACKEND_IDS.map((id) => DEFINITIONS[id]);
}

export function backendInfos(): BackendInfo[] {
  return backendDefinitions().map((d) => d.info);
}

export function backendLabel(id: Backend): string {
  return DEFINITIONS[id].info.label;
}

export function isDockerBackend(id: Backend): boolean {
  return DEFINITIONS[id].info.runsIn === 'docker';
}

/** Ids of the backends deployed as containers, for help texts and hints. */
export function dockerBackendIds(): Backend[] {
  return backendDefinitions().filter((d) => d.info.runsIn === 'docker').map((d) => d.info.id);
}

/**
 * The seed's settings for a Docker backend when no plan is at hand (CLI without --model,
 * Deploy page without a draft), published on `bindHost`. `maxCpus` (the cores Docker
 * reports) drops a CPU limit the machine cannot give; the planner's per-backend configs
 * (`Plan.configs`) come first where known.
 */
export function defaultDeployConfig(id: Backend, bindHost = '127.0.0.1', maxCpus?: number): DeploymentConfig {
  const d = DEFINITIONS[id].info.defaults;
  if (!d) {
    throw new DeckError(
      'invalid_input',
      `${DEFINITIONS[id].info.label} runs inside SLM Deck, not in a container.`,
      `Start it from its card on the Deploy page, or choose a Docker backend (${dockerBackendIds().join(', ')}).`,
    );
  }
  const c: DeploymentConfig = { ...structuredClone(d), bindHost };
  // A CPU limit above the cores Docker has is refused by Docker: no limit instead.
  return maxCpus !== undefined && c.cpus !== null && c.cpus > maxCpus ? { ...c, cpus: null } : c;
}
