import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { containerName, LABEL } from '../labels';
import { mirrorImage } from '../mirror';
import {
  baseLabels, deploymentName, endpointLabel, envList, gib, gpuRequests, healthcheck, hostForUrl, httpProbe, limits, openAiEndpoint, ports,
  requestLabel, volumeLabels, VOLUMES, type SpecContext,
} from './common';
import { VLLM_PORT, vllmArgs, vllmOptions } from './vllm-args';

export const VLLM_GPU_IMAGE = 'vllm/vllm-openai:latest';
/** Model download (about 7.7 GB for Phi-4-mini bf16) plus load can take long on a first run. */
export const VLLM_START_PERIOD_SEC = 1800;

/** vLLM's python is always there; curl/wget may not be. */
export function vllmHealthProbe(): string {
  const url = `http://127.0.0.1:${VLLM_PORT}/health`;
  return httpProbe(url, [`python3 -c "import urllib.request; urllib.request.urlopen('${url}', timeout=4)"`]);
}

/** The seed's GPU production run, corrected: CUDA image, NVIDIA device request, HF cache volume, loopback port. */
export function buildVllmGpuSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const warnings: string[] = [];
  const model = ctx.resolveModel(req.backend, req.model);
  const name = containerName(deploymentName(req), 'server');
  const endpoint = openAiEndpoint(`http://${hostForUrl(req.bindHost)}:${req.hostPort}`, model.served);
  const o = vllmOptions(req);
  const server: ContainerSpec = {
    role: 'server',
    name,
    image: mirrorImage(VLLM_GPU_IMAGE, ctx.mirror),
    containerPort: VLLM_PORT,
    hostPort: req.hostPort,
    create: {
      name,
      Image: mirrorImage(VLLM_GPU_IMAGE, ctx.mirror),
      Cmd: vllmArgs(req, model, 'gpu', warnings),
      Env: envList({ ...(ctx.hfToken ? { HF_TOKEN: ctx.hfToken } : {}), ...req.env }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: ports(VLLM_PORT, req.hostPort, req.bindHost).ExposedPorts,
      Healthcheck: healthcheck(vllmHealthProbe(), VLLM_START_PERIOD_SEC),
      HostConfig: {
        PortBindings: ports(VLLM_PORT, req.hostPort, req.bindHost).PortBindings,
        Mounts: [{ Type: 'volume', Source: VOLUMES.hfCache, Target: '/root/.cache/huggingface' }],
        RestartPolicy: { Name: 'unless-stopped' },
        ...limits(req.memoryLimitGb, req.cpus),
        // PyTorch workers share tensors through /dev/shm; Docker's 64 MB default is too small.
        ShmSize: gib(o.shmSizeGb ?? 2),
        ...gpuRequests(req.gpus, true),
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
    warnings,
  };
}
