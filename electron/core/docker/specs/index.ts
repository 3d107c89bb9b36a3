import type { DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { DeckError } from '../../../shared/errors';
import { backendDefinition, dockerBackendIds } from '../../backends';
import type { ResolvedModel } from '../model-ref';
import { checkEnv, type SpecContext } from './common';

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
  const def = backendDefinition(req.backend);
  if (!def.buildSpec) {
    throw new DeckError(
      'invalid_input',
      `${def.info.label} runs inside SLM Deck, not in a container.`,
      `Start it from its card on the Deploy page, or choose a Docker backend (${dockerBackendIds().join(', ')}).`,
    );
  }
  checkContext(req, ctx.resolveModel(req.backend, req.model));
  checkEnv(req.env);
  return def.buildSpec(req, ctx);
}
