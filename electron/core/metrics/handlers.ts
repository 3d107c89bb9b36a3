import type { DomainHandlers } from '../rpc/handlers';
import type { MetricsService } from './metrics-service';

export function metricsHandlers(metrics: MetricsService): DomainHandlers<'metrics'> {
  return {
    // The watch lives as long as the caller's connection: a closed socket or reloaded window ends it.
    'metrics.watch': (p, ctx) => metrics.watch(p, ctx.signal),
    'metrics.unwatch': ({ watchId }) => ({ stopped: metrics.unwatch(watchId) }),
    'metrics.snapshot': (p) => metrics.snapshot(p),
    'metrics.exportCsv': (p) => metrics.exportCsv(p),
    'metrics.status': () => metrics.status(),
    'metrics.configure': (p) => metrics.configure(p),
  };
}
