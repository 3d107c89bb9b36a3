import type { DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { mirrorImage } from '../mirror';
import { gib, type SpecContext } from './common';
import { vllmOptions } from './vllm-args';
import { buildVllmSpec } from './vllm-spec';

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
  const o = vllmOptions(req);
  const warnings = req.gpus.length ? ['The vLLM CPU image does not use GPUs; the GPU selection is ignored.'] : [];
  return buildVllmSpec(req, ctx, {
    device: 'cpu',
    image: mirrorImage(vllmCpuImage(ctx.arch), ctx.mirror),
    env: { VLLM_CPU_KVCACHE_SPACE: String(o.cpuKvCacheGb ?? DEFAULT_CPU_KV_GB) },
    hostConfig: { ShmSize: gib(o.shmSizeGb ?? 4), CapAdd: ['SYS_NICE'], SecurityOpt: ['seccomp=unconfined'] },
    warnings,
  });
}
