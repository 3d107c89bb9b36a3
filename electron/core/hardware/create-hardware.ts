import path from 'node:path';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import { bundledCatalog } from './catalog';
import type { DockerStatus } from '../../shared/contract/docker';
import { dockerHostProfile } from './docker-host';
import { dockerProbeFromStatus } from './docker-probe';
import { hardwareHandlers } from './handlers';
import { HardwareService } from './hardware-service';
import { buildPlan } from './plan';
import type { Plan, PlanInput } from '../../shared/contract/hardware';

/** Builds the hardware domain for the composition root. */
export function createHardware(opts: { home: string; settings: SettingsService; log: Logger; dockerStatus: (opts?: { refresh?: boolean }) => Promise<DockerStatus> }) {
  const catalog = bundledCatalog();
  const service = new HardwareService({
    dockerProbe: dockerProbeFromStatus(opts.dockerStatus),
    ollamaUrl: () => opts.settings.get().ollamaUrl,
    modelsDir: path.join(opts.home, 'models'),
    cacheKey: () => `${opts.settings.get().dockerEndpoint} ${opts.settings.get().ollamaUrl}`,
    log: opts.log.child('hardware'),
  });
  /** The plan for the Docker host now (this machine, or the remote one): the Overview, `slm-deck plan` and the deploy check all use it. */
  const plan = async ({ refresh, ...input }: PlanInput): Promise<Plan> =>
    buildPlan(catalog, dockerHostProfile(await service.profile({ refresh })), { ...input, bindHost: opts.settings.get().bindHost });
  return { service, catalog, plan, handlers: hardwareHandlers(service, catalog, plan) };
}
