import { buildVllmGpuSpec, VLLM_GPU_IMAGE } from '../docker/specs/vllm-gpu';
import { VLLM_PORT } from '../docker/specs/vllm-args';
import { GIB } from '../../shared/format';
import type { BackendDefinition } from './types';
import { VLLM_GPU_MEMORY_UTILIZATION, vllmServing, vllmToolOptions } from './vllm-common';

const GB = 1e9;

/** vLLM's CUDA image: the seed's GPU production run. */
export const vllmGpu: BackendDefinition = {
  info: {
    id: 'vllm-gpu',
    label: 'vLLM (GPU, Docker)',
    description: 'Fastest on an NVIDIA GPU; OpenAI API with tool calling.',
    runsIn: 'docker',
    images: [{ accelerator: 'nvidia', image: VLLM_GPU_IMAGE, bytes: 22 * GB }],
    containerPort: VLLM_PORT,
    defaultHostPort: 8000,
    chatProtocol: 'openai',
    healthPath: '/health',
    metricsPath: '/metrics',
    benchFamily: 'vllm',
    gpu: 'required',
    options: ['toolCalling', 'gpuMemoryUtilization'],
    defaults: {
      backend: 'vllm-gpu',
      model: 'phi-4-mini-instruct/vllm-bf16',
      hostPort: 8000,
      bindHost: '127.0.0.1',
      contextLength: 8192,
      parallel: 8,
      gpus: [],
      memoryLimitGb: 12,
      cpus: null,
      env: {},
      openWebUi: false,
      vllm: { gpuMemoryUtilization: VLLM_GPU_MEMORY_UTILIZATION, toolCalling: true },
    },
  },
  buildSpec: buildVllmGpuSpec,
  ...vllmServing,
  planner: {
    sequencesWord: 'sequences (--max-num-seqs)',
    storage: 'docker-data',
    needsCuda: true,
    unavailable: (_input, m) => {
      const cc = Number.parseFloat(m.cudaGpu?.computeCapability ?? '');
      return m.cudaGpu && Number.isFinite(cc) && cc < 7
        ? { reason: `vLLM needs CUDA compute capability 7.0 or newer; ${m.cudaGpu.name} has ${m.cudaGpu.computeCapability}.` }
        : null;
    },
    placement: () => 'vram',
    spillsToRam: false,
    budget: 'vllm-reservation',
    // Seed compose: 12 GB; host RAM holds the weights while loading.
    memoryLimitGb: ({ form }) => Math.max(12, Math.ceil(form.weightsBytes / GIB + 4)),
    config: (c) => {
      const cc = Number.parseFloat(c.m.cudaGpu?.computeCapability ?? '');
      // bf16 needs compute capability 8.0 (Ampere); older cards run fp16.
      return { vllm: { ...vllmToolOptions(c), dtype: Number.isFinite(cc) && cc < 8 ? 'float16' : 'bfloat16', shmSizeGb: 2 } };
    },
  },
};
