import { promises as fs } from 'node:fs';
import type { DeploymentSpec, DockerStatus } from '../../shared/contract/docker';
import { DeckError } from '../../shared/errors';
import { parseImageRef } from './mirror';

const GB = 1e9;

/** Unpacked sizes, rounded up, of the upstream images (a registry cannot tell us before the pull). */
const IMAGE_SIZES: Array<{ path: RegExp; bytes: number }> = [
  { path: /vllm\/vllm-openai-cpu$/, bytes: 8 * GB },
  { path: /vllm\/vllm-openai$/, bytes: 22 * GB },
  { path: /ollama\/ollama$/, bytes: 5 * GB },
  { path: /open-webui\/open-webui$/, bytes: 5 * GB },
];

/** Weights the server downloads into its volume on first start (Phi-4-mini). */
const MODEL_BYTES: Partial<Record<DeploymentSpec['backend'], number>> = {
  'vllm-gpu': 7.7 * GB,
  'vllm-cpu': 7.7 * GB,
  ollama: 2.5 * GB,
};

export function estimateImageBytes(ref: string): number {
  let path: string;
  try {
    path = parseImageRef(ref).path;
  } catch {
    return 0;
  }
  return IMAGE_SIZES.find((s) => s.path.test(path))?.bytes ?? 0;
}

/** Free bytes on the daemon's data root, when it is on this machine (not remote, not inside Docker Desktop's VM). */
export async function dataRootFreeBytes(status: DockerStatus): Promise<number | null> {
  if (status.remote || !status.dataRoot || /Docker Desktop/i.test(status.operatingSystem ?? '')) return null;
  if (process.platform !== 'linux') return null;
  try {
    const s = await fs.statfs(status.dataRoot);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Fails early when the images still to pull plus the model clearly do not fit on the data root. */
export async function checkDiskSpace(spec: DeploymentSpec, missingImages: string[], status: DockerStatus): Promise<void> {
  const free = await dataRootFreeBytes(status);
  if (free === null) return;
  const need = missingImages.reduce((n, ref) => n + estimateImageBytes(ref), 0) + (MODEL_BYTES[spec.backend] ?? 0);
  if (need > free) {
    throw new DeckError(
      'insufficient_resources',
      `Docker's data folder ${status.dataRoot} has ${(free / GB).toFixed(1)} GB free; this deployment needs about ${(need / GB).toFixed(1)} GB (images and model).`,
      'Free space (`docker system prune` removes unused images and containers), or move Docker\'s data-root to a larger disk.',
    );
  }
}
