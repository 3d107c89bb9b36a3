import type { Catalog, Plan, PlanInput } from '../../shared/contract/hardware';
import type { DomainHandlers } from '../rpc/handlers';
import type { HardwareService } from './hardware-service';

export function hardwareHandlers(hardware: HardwareService, catalog: Catalog, plan: (input: PlanInput) => Promise<Plan>): DomainHandlers<'hardware'> {
  return {
    'hardware.profile': ({ refresh }) => hardware.profile({ refresh }),
    'hardware.catalog': () => catalog,
    'hardware.plan': (input) => plan(input),
  };
}
