import path from 'node:path';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import { bundledCatalog } from './catalog';
import type { DockerStatus } from '../../shared/contract/docker';
import { dockerProbeFromStatus } from './docker-probe';
import { hardwareHandlers } from './handlers';
import { HardwareService } from './hardware-service';

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
  return { service, catalog, handlers: hardwareHandlers(service, catalog, () => opts.settings.get().bindHost) };
}
