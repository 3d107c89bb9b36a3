import type { Backend } from '../../shared/contract/deploy-config';
import type { ContainerSpec } from '../../shared/contract/docker';
import { backendDefinition, type ExportHooks } from '../backends';

/** A backend's export facts, with the HTTP path each container answers on once it is up. */
export type ResolvedExportHooks = ExportHooks & { healthPaths: Partial<Record<ContainerSpec['role'], string>> };

export function exportHooks(backend: Backend): ResolvedExportHooks {
  const def = backendDefinition(backend);
  const hooks = def.export ?? {};
  return { ...hooks, healthPaths: { server: def.info.healthPath, ...(hooks.webUiHealthPath ? { webui: hooks.webUiHealthPath } : {}) } };
}
