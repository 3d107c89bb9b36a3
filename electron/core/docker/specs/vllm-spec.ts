import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { containerName, LABEL } from '../labels';
import {
  baseLabels, deploymentName, endpointLabel, envList, healthcheck, hostForUrl, httpProbe, limits, openAiEndpoint, ports, requestLabel,
  volumeLabels, VOLUMES, type SpecContext,
} from './common';
import { HF_TOKEN_MOUNT, HF_TOKEN_PATH } from '../secret-mounts';
import { VLLM_PORT, vllmArgs } from './vllm-args';

/** Model download (about 7.7 GB for Phi-4-mini bf16) plus load can take long on a first run. */
export const VLLM_START_PERIOD_SEC = 1800;

/** vLLM's python is always there; curl/wget may not be. */
export function vllmHealthProbe(): string {
  const url = `http://127.0.0.1:${VLLM_PORT}/health`;
  return httpProbe(url, [`python3 -c "import urllib.request; urllib.request.urlopen('${url}', timeout=4)"`]);
}

export interface VllmVariant {
  device: 'gpu' | 'cpu';
  /** Already mirrored. */
  image: string;
  env: Record<string, string>;
  /** What differs between the CPU and GPU runs: shm size, device requests, capabilities. */
  hostConfig: Partial<ContainerSpec['create']['HostConfig']>;
  warnings: string[];
}

/** What both vLLM runs share: OpenAI server on 8000, HF cache volume, healthcheck, loopback port, labels. */
export function buildVllmSpec(req: DeployRequest, ctx: SpecContext, v: VllmVariant): DeploymentSpec {
  const model = ctx.resolveModel(req.backend, req.model);
  const name = containerName(deploymentName(req), 'server');
  const endpoint = openAiEndpoint(`http://${hostForUrl(req.bindHost)}:${req.hostPort}`, model.served);
  const published = ports(VLLM_PORT, req.hostPort, req.bindHost);
  const server: ContainerSpec = {
    role: 'server',
    name,
    image: v.image,
    containerPort: VLLM_PORT,
    hostPort: req.hostPort,
    create: {
      name,
      Image: v.image,
      Cmd: vllmArgs(req, model, v.device, v.warnings),
      Env: envList({ ...v.env, ...(ctx.hfTokenDir ? { HF_TOKEN_PATH } : {}), ...req.env }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: published.ExposedPorts,
      Healthcheck: healthcheck(vllmHealthProbe(), VLLM_START_PERIOD_SEC),
      HostConfig: {
        PortBindings: published.PortBindings,
        Mounts: [
          { Type: 'volume', Source: VOLUMES.hfCache, Target: '/root/.cache/huggingface' },
          ...(ctx.hfTokenDir ? [{ Type: 'bind' as const, Source: ctx.hfTokenDir, Target: HF_TOKEN_MOUNT, ReadOnly: true }] : []),
        ],
        RestartPolicy: { Name: 'unless-stopped' },
        ...limits(req.memoryLimitGb, req.cpus),
        ...v.hostConfig,
      },
    },
  };
  return {
    name: deploymentName(req),
    backend: req.backend,
    containers: [server],
    volumes: [{ name: VOLUMES.hfCache, labels: volumeLabels(VOLUMES.hfCache, ctx.appVersion) }],
    network: null,
    endpoint,
    healthTimeoutSec: req.healthTimeoutSec ?? VLLM_START_PERIOD_SEC,
    warnings: v.warnings,
  };
}
