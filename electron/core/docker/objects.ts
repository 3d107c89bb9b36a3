import type Docker from 'dockerode';
import type { DeploymentSpec } from '../../shared/contract/docker';
import type { Logger } from '../log/logger';
import { httpStatus, toDeckError } from './errors';
import { LABEL, MANAGED_FILTER } from './labels';

/** Containers of one managed deployment (any state). */
export function deploymentContainers(docker: Docker, name: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [MANAGED_FILTER, `${LABEL.deployment}=${name}`] } });
}

export function roleOf(labels: Record<string, string> | undefined): 'server' | 'webui' {
  return labels?.[LABEL.role] === 'webui' ? 'webui' : 'server';
}

export function containerName(c: Docker.ContainerInfo): string {
  return c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
}

/** Host ports published by running containers (any, not just ours): port -> container name. */
export async function publishedPorts(docker: Docker, skip: (c: Docker.ContainerInfo) => boolean = () => false): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for (const c of await docker.listContainers({ all: true })) {
    if (skip(c)) continue;
    for (const p of c.Ports ?? []) if (p.PublicPort) map.set(p.PublicPort, containerName(c));
  }
  return map;
}

export async function ensureVolumes(docker: Docker, spec: DeploymentSpec, signal: AbortSignal): Promise<void> {
  for (const v of spec.volumes) {
    try {
      await docker.getVolume(v.name).inspect({ abortSignal: signal });
    } catch (e) {
      if (httpStatus(e) !== 404) throw toDeckError(e, `inspect volume ${v.name}`, signal);
      await docker.createVolume({ Name: v.name, Labels: v.labels, abortSignal: signal } as Parameters<Docker['createVolume']>[0]).catch((err: unknown) => {
        throw toDeckError(err, `create volume ${v.name}`, signal);
      });
    }
  }
}

export async function ensureNetwork(docker: Docker, net: NonNullable<DeploymentSpec['network']>, signal: AbortSignal): Promise<void> {
  try {
    await docker.getNetwork(net.name).inspect();
  } catch (e) {
    if (httpStatus(e) !== 404) throw toDeckError(e, `inspect network ${net.name}`, signal);
    await docker.createNetwork({ Name: net.name, Driver: 'bridge', Labels: net.labels, abortSignal: signal }).catch((err: unknown) => {
      throw toDeckError(err, `create network ${net.name}`, signal);
    });
  }
}

/** Best-effort removal (rollback paths): a failure is logged, not thrown. */
export async function removeQuietly(docker: Docker, idsOrNames: string[], log: Logger): Promise<void> {
  for (const id of idsOrNames) {
    try {
      await docker.getContainer(id).remove({ force: true });
    } catch (e) {
      log.warn('could not remove container', { id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
