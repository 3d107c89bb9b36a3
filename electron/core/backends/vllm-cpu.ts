import { VLLM_PORT } from '../docker/specs/vllm-args';
import { buildVllmCpuSpec } from '../docker/specs/vllm-cpu';
import { GIB } from '../../shared/format';
import type { BackendDefinition } from './types';
import { VLLM_GPU_MEMORY_UTILIZATION, vllmServing, vllmToolOptions } from './vllm-common';

const GB = 1e9;

/**
 * `VLLM_CPU_KVCACHE_SPACE` (whole GiB) for a KV cache of `kvBytes`: vLLM's CPU backend
 * reserves that much up front, so the planner counts it and its config sets it.
 */
export function vllmCpuKvSpaceGb(kvBytes: number): number {
  return Math.max(1, Math.ceil(kvBytes / GIB));
}

/** vLLM's CPU build: the seed's development run, with the CPU image and KV cache space. */
export const vllmCpu: BackendDefinition = {
  info: {
    id: 'vllm-cpu',
    label: 'vLLM (CPU, Docker)',
    description: 'vLLM’s CPU build; OpenAI API, best with AVX-512.',
    runsIn: 'docker',
    images: [
      { accelerator: 'cpu', image: 'vllm/vllm-openai-cpu:latest-x86_64', bytes: 8 * GB },
      { accelerator: 'cpu', image: 'vllm/vllm-openai-cpu:latest-arm64', bytes: 8 * GB },
    ],
    containerPort: VLLM_PORT,
    defaultHostPort: 8000,
    chatProtocol: 'openai',
    healthPath: '/health',
    metricsPath: '/metrics',
    benchFamily: 'vllm',
    gpu: 'none',
    options: ['toolCalling'],
    defaults: {
      backend: 'vllm-cpu',
      model: 'phi-4-mini-instruct/vllm-bf16',
      hostPort: 8000,
      bindHost: '127.0.0.1',
      contextLength: 4096,
      parallel: 4,
      gpus: [],
      // The planner's 10.65 GiB for bf16 at 4,096 tokens × 4, plus 1 GiB, like its own configs (8 was below it).
      memoryLimitGb: 12,
      cpus: 4,
      env: {},
      openWebUi: false,
      vllm: { gpuMemoryUtilization: VLLM_GPU_MEMORY_UTILIZATION, toolCalling: true },
    },
  },
  buildSpec: buildVllmCpuSpec,
  ...vllmServing,
  planner: {
    sequencesWord: 'sequences (--max-num-seqs)',
    storage: 'docker-data',
    needsCuda: false,
    unavailable: (_input, m) =>
      m.docker.arch && !/^(amd64|x86_64)$/.test(m.docker.arch)
        ? { reason: `The vLLM CPU image (vllm/vllm-openai-cpu:latest-x86_64) is built for x86_64, and Docker here runs ${m.docker.arch}.` }
        : null,
    placement: () => 'ram',
    spillsToRam: false,
    budget: 'memory',
    notes: (_input, m) => (!m.avx512 && m.arch === 'x86_64' ? ['No AVX-512 on this CPU: vLLM’s CPU backend runs much slower without it.'] : []),
    reservedKv: (kvBytes) => {
      const gb = vllmCpuKvSpaceGb(kvBytes);
      return { bytes: gb * GIB, note: `reserved as VLLM_CPU_KVCACHE_SPACE=${gb} (whole GiB, rounded up)` };
    },
    config: (c) => {
      // The KV term is already the reserved whole GiB.
      const kv = c.row.estimate.terms.find((t) => t.key === 'kv-cache')!.bytes;
      return { vllm: { ...vllmToolOptions(c), cpuKvCacheGb: vllmCpuKvSpaceGb(kv), shmSizeGb: 4, dtype: 'bfloat16' } };
    },
  },
};
