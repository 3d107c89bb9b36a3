import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { containedPath } from '../fs/contained-path';

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

/** Where the ONNX engine container sees its API key file (SLM_ENGINE_API_KEY_FILE), read-only. */
export const ENGINE_KEY_PATH = '/run/secrets/slm-deck-engine-key';

/** A deployment's key file under `root` (`<home>/container-secrets/engine`): `<root>/<name>/api-key`. */
export function engineKeyFile(root: string, name: string): string {
  return containedPath(root, name, 'api-key');
}

/**
 * The deployment's API key file, made once (32 random bytes) and kept across redeploys, so
 * clients holding it keep working. The folder is 0700 (no other host user reads it); the file
 * is 0644 because it is mounted into a container whose user (1000) is not the file's owner.
 */
export async function ensureEngineKey(root: string, name: string): Promise<string> {
  const file = engineKeyFile(root, name);
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  await fs.chmod(root, 0o700);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  if ((await readEngineKey(root, name)) !== null) return file;
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(randomBytes(32).toString('base64url'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  // open's mode is cut by the umask; the container's user must still read it.
  await fs.chmod(tmp, 0o644);
  await fs.rename(tmp, file);
  return file;
}

/** The key clients send as `Authorization: Bearer`; null when the deployment has none. */
export async function readEngineKey(root: string, name: string): Promise<string | null> {
  return fs.readFile(engineKeyFile(root, name), 'utf8').then((k) => k.trim() || null, () => null);
}

export async function removeEngineKey(root: string, name: string): Promise<void> {
  await fs.rm(path.dirname(engineKeyFile(root, name)), { recursive: true, force: true });
}
