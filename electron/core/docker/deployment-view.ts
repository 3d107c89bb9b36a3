import type Docker from 'dockerode';
import type { Backend } from '../../shared/contract/deploy-config';
import { DeployInputSchema, EndpointSchema, type ContainerInfo, type Deployment, type GpuCheck } from '../../shared/contract/docker';
import { answersWhileStarting } from './health';
import { LABEL } from './labels';
import { roleOf } from './objects';
import { endpointFromLabel } from './specs/common';
import { parseJsonOrUndefined } from '../../shared/json';

/** One container's view for the deployments list, from its inspect data; `answers`: see answersWhileStarting. */
export function containerInfo(i: Docker.ContainerInspectInfo, answers = false): ContainerInfo {
  const labels = i.Config.Labels ?? {};
  const health = answers ? 'healthy' : i.State.Health?.Status;
  const started = Date.parse(i.State.StartedAt);
  const ports: ContainerInfo['ports'] = [];
  for (const [key, binds] of Object.entries(i.HostConfig.PortBindings ?? {})) {
    for (const b of (binds as Array<{ HostIp: string; HostPort: string }> | null) ?? []) {
      ports.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: parseInt(key, 10) });
    }
  }
  return {
    id: i.Id,
    name: i.Name.replace(/^\//, ''),
    role: roleOf(labels),
    image: i.Config.Image,
    state: i.State.Status,
    // Docker keeps the last health of a stopped container; it means nothing once it is down.
    health: i.State.Running && (health === 'starting' || health === 'healthy' || health === 'unhealthy') ? health : 'none',
    startedAt: i.State.Running && Number.isFinite(started) ? started : null,
    exitCode: i.State.Running ? null : i.State.ExitCode,
    ports,
    gpuRequested: (i.HostConfig.DeviceRequests ?? []).length > 0,
  };
}

export function deploymentState(containers: ContainerInfo[]): Deployment['state'] {
  const server = containers.find((c) => c.role === 'server') ?? containers[0];
  const states = new Set(containers.map((c) => c.state));
  if (states.size > 1 && states.has('running')) return 'partial';
  if (!server) return 'stopped';
  if (server.state === 'restarting') return 'restarting';
  if (server.state === 'created') return 'created';
  if (server.state !== 'running') return 'stopped';
  if (server.health === 'starting') return 'starting';
  if (server.health === 'unhealthy') return 'unhealthy';
  return 'running';
}

/** A deployment as the list shows it, from its containers (labels carry the request and endpoint). */
/** `probe`: the daemon is on this machine, so a container Docker has not checked yet can be asked directly. */
export async function describeDeployment(docker: Docker, items: Docker.ContainerInfo[], gpu: (name: string) => GpuCheck | null, probe: boolean): Promise<Deployment> {
  const infos = await Promise.all(items.map((i) => docker.getContainer(i.Id).inspect()));
  const answers = await Promise.all(infos.map((i) => probe && answersWhileStarting(i)));
  const containers = infos
    .map((i, n) => containerInfo(i, answers[n]))
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'server' ? -1 : 1));
  const serverInfo = infos.find((i) => roleOf(i.Config.Labels) === 'server') ?? infos[0];
  const labels = serverInfo.Config.Labels ?? {};
  const name = labels[LABEL.deployment];
  const endpoint = EndpointSchema.omit({ curl: true }).safeParse(parseJsonOrUndefined(labels[LABEL.endpoint]));
  const request = DeployInputSchema.safeParse(parseJsonOrUndefined(labels[LABEL.request]));
  const server = containers[0];
  const item = items.find((i) => i.Id === server.id) ?? items[0];
  return {
    name,
    backend: (labels[LABEL.backend] ?? 'ollama') as Backend,
    model: labels[LABEL.model] ?? '',
    state: deploymentState(containers),
    health: server.health,
    containers,
    endpoint: endpoint.success ? endpointFromLabel(endpoint.data) : null,
    request: request.success ? request.data : null,
    createdAt: item.Created * 1000,
    uptimeSeconds: server.startedAt ? Math.max(0, Math.round((Date.now() - server.startedAt) / 1000)) : null,
    gpu: gpu(name),
  };
}
