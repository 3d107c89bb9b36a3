import type { DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { DeckError } from '../../../shared/errors';
import type { ResolvedModel } from '../model-ref';
import { checkEnv, type SpecContext } from './common';
import { buildOllamaSpec } from './ollama';
import { buildOnnxEngineSpec } from './onnx-engine';
import { buildVllmCpuSpec } from './vllm-cpu';
import { buildVllmGpuSpec } from './vllm-gpu';

export type { SpecContext } from './common';

function checkContext(req: DeployRequest, model: ResolvedModel): void {
  if (model.maxContext !== undefined && req.contextLength > model.maxContext) {
    throw new DeckError('invalid_input', `A context of ${req.contextLength} tokens is more than ${model.served} supports (${model.maxContext}).`, `Use at most ${model.maxContext}.`, {
      field: 'contextLength',
    });
  }
}

/** A deployment request -> the exact containers, volumes and network to create. Pure: no Docker, no I/O. */
export function buildSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  if (req.backend !== 'embedded') checkContext(req, ctx.resolveModel(req.backend, req.model));
  checkEnv(req.env);
  switch (req.backend) {
    case 'vllm-gpu':
      return buildVllmGpuSpec(req, ctx);
    case 'vllm-cpu':
      return buildVllmCpuSpec(req, ctx);
    case 'ollama':
      return buildOllamaSpec(req, ctx);
    case 'onnx-engine':
      return buildOnnxEngineSpec(req, ctx);
    case 'embedded':
      throw new DeckError(
        'invalid_input',
        'The embedded engine runs inside SLM Deck, not in a container.',
        'Start it from the "Embedded (no Docker)" card, or choose a Docker backend (vllm-gpu, vllm-cpu, ollama, onnx-engine).',
      );
  }
}
