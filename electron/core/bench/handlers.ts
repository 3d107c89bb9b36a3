import type { DomainHandlers } from '../rpc/handlers';
import type { BenchService } from './bench-service';
import { summariseRun, type BenchStore } from './bench-store';
import { compareRuns } from './compare';
import { comparisonTable } from './comparison';
import { exportRun } from './export';
import type { Facts } from './facts';
import { defaultSuite, parseSuite } from './suite';

export function benchHandlers(service: BenchService, store: BenchStore, facts: Facts): DomainHandlers<'bench'> {
  return {
    'bench.start': (p) => service.start(p),
    'bench.defaultSuite': () => defaultSuite(),
    'bench.parseSuite': ({ text }) => parseSuite(text),
    'bench.list': async () => (await store.list()).map(summariseRun),
    'bench.get': ({ id }) => store.get(id),
    'bench.comparison': async ({ id }) => comparisonTable(await store.get(id), facts),
    'bench.delete': async ({ id }) => ({ deleted: await service.delete(id) }),
    'bench.compare': async ({ a, b }) => {
      const [ra, rb] = await Promise.all([store.get(a), store.get(b)]);
      return { a: summariseRun(ra), b: summariseRun(rb), rows: compareRuns(ra, rb) };
    },
    'bench.export': async ({ id, format }) => {
      const run = await store.get(id);
      return exportRun(run, format, comparisonTable(run, facts));
    },
  };
}
