import type { Catalog } from '../../shared/contract/hardware';
import type { DomainHandlers } from '../rpc/handlers';
import type { HardwareService } from './hardware-service';
import { buildPlan } from './plan';

export function hardwareHandlers(hardware: HardwareService, catalog: Catalog, bindHost: () => string): DomainHandlers<'hardware'> {
  return {
    'hardware.profile': ({ refresh }) => hardware.profile({ refresh }),
    'hardware.catalog': () => catalog,
    'hardware.plan': async ({ refresh, ...opts }) => buildPlan(catalog, await hardware.profile({ refresh }), { ...opts, bindHost: bindHost() }),
  };
}
