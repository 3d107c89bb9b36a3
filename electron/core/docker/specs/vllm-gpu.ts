import type { DeployRequest, DeploymentSpec } from '../../../shared/contract/docker';
import { mirrorImage } from '../mirror';
import { gib, gpuRequests, type SpecContext } from './common';
import { vllmOptions } from './vllm-args';
import { buildVllmSpec } from './vllm-spec';

export { VLLM_START_PERIOD_SEC, vllmHealthProbe } from './vllm-spec';
export const VLLM_GPU_IMAGE = 'vllm/vllm-openai:latest';

/** The seed's GPU production run, corrected: CUDA image, NVIDIA device request, HF cache volume, loopback port. */
export function buildVllmGpuSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const o = vllmOptions(req);
  return buildVllmSpec(req, ctx, {
    device: 'gpu',
    image: mirrorImage(VLLM_GPU_IMAGE, ctx.mirror),
    env: {},
    hostConfig: {
      // PyTorch workers share tensors through /dev/shm; Docker's 64 MB default is too small.
      ShmSize: gib(o.shmSizeGb ?? 2),
      ...gpuRequests(req.gpus, true),
    },
    warnings: [],
  });
}
