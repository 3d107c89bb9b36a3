import type { BackendInfo } from '../../../electron/shared/contract/backends';
import type { Backend, DeploymentConfig } from '../../../electron/shared/contract/deploy-config';
import { useCall } from './hooks';

export interface Backends {
  /** Every backend, in display order; empty until `backends.list` answers. */
  list: BackendInfo[];
  info(id: Backend): BackendInfo | undefined;
  label(id: Backend): string;
  /** A Docker backend's seed settings published on bindHost; null for in-app backends or before the list is in. */
  defaults(id: Backend, bindHost: string): DeploymentConfig | null;
}

/** The backend definitions the app serves (`backends.list`): the renderer keeps no copy of its own. */
export function useBackends(): Backends {
  const q = useCall('backends.list', {}, { staleTime: Infinity, retry: false });
  const list = q.data ?? [];
  const info = (id: Backend) => list.find((b) => b.id === id);
  return {
    list,
    info,
    label: (id) => info(id)?.label ?? id,
    defaults: (id, bindHost) => {
      const d = info(id)?.defaults;
      return d ? { ...d, bindHost } : null;
    },
  };
}
