import { promises as fs } from 'node:fs';
import type { DeploymentSpec, DockerStatus } from '../../shared/contract/docker';
import { DeckError } from '../../shared/errors';
import { backendDefinition, backendDefinitions } from '../backends';
import { parseImageRef } from './mirror';
import { OPEN_WEBUI_IMAGE } from './specs/ollama';

const GB = 1e9;

/** Repository path of an image reference, without registry, tag or digest; null when unparsable. */
function imagePath(ref: string): string | null {
  try {
    return parseImageRef(ref).path;
  } catch {
    return null;
  }
}

/**
 * Unpacked sizes, rounded up, of the upstream images (a registry cannot tell us before the
 * pull): each backend's images from its definition, plus the Open WebUI companion.
 */
function imageSizes(): Array<{ path: string; bytes: number }> {
  const images = [...backendDefinitions().flatMap((d) => d.info.images), { image: OPEN_WEBUI_IMAGE, bytes: 5 * GB }];
  return images.flatMap((i) => {
    const path = imagePath(i.image);
    return path && i.bytes ? [{ path, bytes: i.bytes }] : [];
  });
}

export function estimateImageBytes(ref: string): number {
  const path = imagePath(ref);
  // A mirror with a path prefix (mirror.example.com/library) keeps the upstream path at the end.
  return (path && imageSizes().find((s) => path === s.path || path.endsWith(`/${s.path}`))?.bytes) || 0;
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
  const need = missingImages.reduce((n, ref) => n + estimateImageBytes(ref), 0) + backendDefinition(spec.backend).firstStartDownloadBytes;
  if (need > free) {
    throw new DeckError(
      'insufficient_resources',
      `Docker's data folder ${status.dataRoot} has ${(free / GB).toFixed(1)} GB free; this deployment needs about ${(need / GB).toFixed(1)} GB (images and model).`,
      'Free space (`docker system prune` removes unused images and containers), or move Docker\'s data-root to a larger disk.',
    );
  }
}
