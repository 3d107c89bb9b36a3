import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Where a container sees the Hugging Face token folder, read-only; huggingface_hub reads HF_TOKEN_PATH. */
export const HF_TOKEN_MOUNT = '/run/secrets/slm-deck-hf';
export const HF_TOKEN_PATH = `${HF_TOKEN_MOUNT}/token`;

/**
 * Keeps `<dir>/token` equal to the stored token (removed when it is cleared) and returns the
 * folder to bind-mount. The folder, not the file, is mounted: a file mount would pin the old
 * inode, so a cleared token would stay visible to running containers. The folder is 0700 (no
 * other host user reads it); the file is 0644 so a container's non-root user can.
 */
export async function syncTokenFolder(dir: string, token: string | null): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const file = path.join(dir, 'token');
  if (!token) {
    await fs.rm(file, { force: true });
    return dir;
  }
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(token);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  return dir;
}
