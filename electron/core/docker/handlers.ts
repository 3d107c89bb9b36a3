import { refuseMemoryBelowPlan } from '../hardware/memory-floor';
import type { DomainHandlers } from '../rpc/handlers';
import type { TaskRegistry } from '../tasks/task-registry';
import type { DockerService } from './docker-service';

export function dockerHandlers(svc: DockerService, tasks: TaskRegistry): DomainHandlers<'docker'> {
  return {
    'docker.status': ({ refresh }) => svc.connection.status({ refresh }),
    'docker.preview': (req) => {
      // A dry run refuses what the deploy would refuse before touching Docker.
      refuseMemoryBelowPlan(req);
      return svc.preview(req);
    },
    'docker.compose': async ({ name }) => ({ yaml: await svc.compose(name) }),
    'docker.kube': async ({ name }) => ({ yaml: await svc.kube(name) }),
    'docker.checkPort': ({ port, host }) => svc.checkPort(port, host),
    'docker.deploy': (req) => {
      // Fail fast, before any task, on a request the builders reject (embedded, AWQ without an
      // AWQ checkpoint...) and on a memory limit below the planner's estimate (the form's field).
      svc.preview(req);
      refuseMemoryBelowPlan(req);
      return tasks.start('docker.deploy', `Deploy ${req.name ?? req.backend}`, (t) => svc.deploy(req, t));
    },
    'docker.pull': ({ image, mirror }) => tasks.start('docker.pull', `Pull ${image}`, (t) => svc.pull(image, mirror !== false, t)),
    'docker.list': () => svc.list(),
    'docker.start': ({ name }) => svc.start(name),
    'docker.stop': ({ name }) => svc.stop(name),
    'docker.restart': ({ name }) => svc.restart(name),
    'docker.remove': ({ name, removeVolumes }) => svc.remove(name, removeVolumes === true),
    'docker.checkGpu': ({ name }) => svc.checkGpu(name),
    'docker.logs': async ({ name, role, tail, search }) => ({ lines: await svc.logs(name, { role, tail, search }) }),
    'docker.followLogs': async ({ name, role, tail }, ctx) => ({ watchId: await svc.followLogs(name, { role, tail }, ctx.signal) }),
    'docker.stats': ({ name }) => svc.stats(name),
    'docker.watchStats': async ({ name }, ctx) => ({ watchId: await svc.watchStats(name, ctx.signal) }),
    'docker.unwatch': ({ watchId }) => ({ stopped: svc.watches.unwatch(watchId) }),
  };
}
