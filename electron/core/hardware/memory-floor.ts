import type { DeploymentConfig } from '../../shared/contract/deploy-config';
import type { Catalog } from '../../shared/contract/hardware';
import { DeckError } from '../../shared/errors';
import { fmtBytes, fmtInt, GIB } from '../../shared/format';
import { backendDefinition, backendLabel } from '../backends';
import { bundledCatalog, resolveForm } from './catalog';
import { estimateTerms } from './estimate';

type Judged = Pick<DeploymentConfig, 'backend' | 'model' | 'contextLength' | 'parallel' | 'gpus' | 'llamaCpp'>;

export interface MemoryFloor {
  /** The planner's estimate for this backend, form, context and parallel requests. */
  bytes: number;
  /** The smallest memory limit that holds it, in GiB rounded up to a tenth (what a person types). */
  gb: number;
  /** "Ollama (Docker) with q4_K_M at 4,096-token context × 4 parallel requests" */
  what: string;
}

/**
 * The least memory limit a deployment can run under: the planner's estimate for the same
 * backend, catalog form, context and parallel requests. Null when there is no estimate to
 * hold it to: a model the catalog does not list (an Ollama tag, a repo, the demo model) or
 * a model kept in VRAM (GPUs given, a GPU form, a CUDA-only server), where the container's
 * RAM limit is not what the estimate measures.
 */
export function memoryFloor(req: Judged, catalog: Catalog = bundledCatalog()): MemoryFloor | null {
  let found;
  try {
    found = resolveForm(catalog, req.model);
  } catch {
    return null;
  }
  const { model, form } = found;
  if (!form.backends.includes(req.backend)) return null;
  if (req.gpus.length > 0 || form.device === 'gpu' || backendDefinition(req.backend).planner.needsCuda) return null;
  const input = { backend: req.backend, model, form, context: req.contextLength, parallel: req.parallel, options: { llamaCpp: req.llamaCpp } };
  const bytes = estimateTerms(catalog, input).reduce((s, t) => s + t.bytes, 0);
  const requests = `${req.parallel} parallel request${req.parallel === 1 ? '' : 's'}`;
  return { bytes, gb: Math.ceil((bytes / GIB) * 10) / 10, what: `${backendLabel(req.backend)} with ${form.label} at ${fmtInt(req.contextLength)}-token context × ${requests}` };
}

/**
 * Refuses an explicit memory limit below the planner's estimate (the container would be
 * killed for memory while loading or on its first long request), naming the limit it needs.
 * No limit (null) is always accepted; `force` skips it like the other planner checks.
 */
export function refuseMemoryBelowPlan(req: Judged & Pick<DeploymentConfig, 'memoryLimitGb'> & { force?: boolean }, catalog?: Catalog): void {
  if (req.memoryLimitGb === null || req.force) return;
  const floor = memoryFloor(req, catalog);
  if (!floor || req.memoryLimitGb * GIB >= floor.bytes) return;
  const message = `needs at least ${floor.gb} GiB for ${floor.what} (the planner's estimate: ${fmtBytes(floor.bytes)})`;
  throw new DeckError(
    'invalid_input',
    `A ${req.memoryLimitGb} GiB memory limit is too small: ${message}.`,
    `Raise the memory limit to ${floor.gb} GiB or more (or no limit), or lower the context length or parallel requests, or deploy anyway (force).`,
    [{ path: ['memoryLimitGb'], message: `Too small: ${message}.` }],
  );
}
