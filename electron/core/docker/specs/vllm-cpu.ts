import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { containerName, LABEL } from '../labels';
import { mirrorImage } from '../mirror';
import {
  baseLabels, deploymentName, endpointLabel, envList, gib, healthcheck, hostForUrl, limits, openAiEndpoint, ports, requestLabel,
  volumeLabels, VOLUMES, type SpecContext,
} from './common';
import { VLLM_PORT, vllmArgs, vllmOptions } from './vllm-args';
import { VLLM_START_PERIOD_SEC, vllmHealthProbe } from './vllm-gpu';

/** vLLM's CPU build; `vllm/vllm-openai` is the CUDA image and does not run on CPUs. */
export function vllmCpuImage(arch: string): string {
  return /^(arm64|aarch64)$/.test(arch) ? 'vllm/vllm-openai-cpu:latest-arm64' : 'vllm/vllm-openai-cpu:latest-x86_64';
}

/** vLLM's own default KV cache space on CPU, in GiB. */
export const DEFAULT_CPU_KV_GB = 4;

/**
 * The seed's CPU development run, corrected: the CPU image, VLLM_CPU_KVCACHE_SPACE, a
 * large /dev/shm, and the capabilities vLLM's CPU docs ask for (NUMA binding).
 */
export function buildVllmCpuSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const warnings: string[] = [];
  const model = ctx.resolveModel(req.backend, req.model);
  const name = containerName(deploymentName(req), 'server');
  const image = mirrorImage(vllmCpuImage(ctx.arch), ctx.mirror);
  const endpoint = openAiEndpoint(`http://${hostForUrl(req.bindHost)}:${req.hostPort}`, model.served);
  const o = vllmOptions(req);
  if (req.gpus.length) warnings.push('The vLLM CPU image does not use GPUs; the GPU selection is ignored.');
  const server: ContainerSpec = {
    role: 'server',
    name,
    image,
    containerPort: VLLM_PORT,
    hostPort: req.hostPort,
    create: {
      name,
      Image: image,
      Cmd: vllmArgs(req, model, 'cpu', warnings),
      Env: envList({
        VLLM_CPU_KVCACHE_SPACE: String(o.cpuKvCacheGb ?? DEFAULT_CPU_KV_GB),
        ...(ctx.hfToken ? { HF_TOKEN: ctx.hfToken } : {}),
        ...req.env,
      }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: ports(VLLM_PORT, req.hostPort, req.bindHost).ExposedPorts,
      Healthcheck: healthcheck(vllmHealthProbe(), VLLM_START_PERIOD_SEC),
      HostConfig: {
        PortBindings: ports(VLLM_PORT, req.hostPort, req.bindHost).PortBindings,
        Mounts: [{ Type: 'volume', Source: VOLUMES.hfCache, Target: '/root/.cache/huggingface' }],
        RestartPolicy: { Name: 'unless-stopped' },
        ...limits(req.memoryLimitGb, req.cpus),
        ShmSize: gib(o.shmSizeGb ?? 4),
        CapAdd: ['SYS_NICE'],
        SecurityOpt: ['seccomp=unconfined'],
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
