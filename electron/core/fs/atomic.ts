import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Write a file so that a crash leaves either the old or the new content, never half of it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

const TEMP_NAME = /\.[0-9a-f]{8}\.tmp$/;

/**
 * Deletes the temporary files of writes a crash interrupted (the target still holds the
 * previous complete content). Only old ones: another process (the CLI beside the app) may be
 * writing into the same folder right now.
 */
export async function removeStaleTemps(dir: string, olderThanMs = 60 * 60 * 1000): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names.filter((n) => TEMP_NAME.test(n))) {
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > olderThanMs) {
      await fs.rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

export type JsonRead =
  | { kind: 'missing' }
  | { kind: 'ok'; value: unknown }
  | { kind: 'corrupt'; reason: string; backupPath: string };

/** Read a JSON file; an unparsable one is moved aside to `<file>.bak` so nothing is lost. */
export async function readJsonOrRecover(file: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw e;
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) };
  } catch (e) {
    const backupPath = `${file}.bak`;
    await fs.rename(file, backupPath);
    return { kind: 'corrupt', reason: `not valid JSON (${(e as Error).message})`, backupPath };
  }
}
