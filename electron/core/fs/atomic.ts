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

async function isCompleteJson(file: string): Promise<boolean> {
  try {
    JSON.parse(await fs.readFile(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Settles the temporary files of writes a crash interrupted. A complete one (it parses) that is
 * newer than its target was fsynced but not yet renamed: it is the latest state, so it becomes
 * the target. Others are deleted once old (the target holds the previous complete content;
 * a young one may belong to another process, such as the CLI beside the app, writing now).
 */
export async function recoverTemps(dir: string, olderThanMs = 60 * 60 * 1000): Promise<{ recovered: string[]; removed: string[] }> {
  const out = { recovered: [] as string[], removed: [] as string[] };
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return out;
  }
  for (const name of names.filter((n) => TEMP_NAME.test(n)).sort()) {
    const tmp = path.join(dir, name);
    const target = tmp.replace(TEMP_NAME, '');
    const [t, f] = await Promise.all([fs.stat(tmp).catch(() => null), fs.stat(target).catch(() => null)]);
    if (!t) continue;
    if ((!f || t.mtimeMs > f.mtimeMs) && (await isCompleteJson(tmp))) {
      await fs.rename(tmp, target);
      out.recovered.push(target);
    } else if (Date.now() - t.mtimeMs > olderThanMs) {
      await fs.rm(tmp, { force: true });
      out.removed.push(tmp);
    }
  }
  return out;
}

/** How many earlier backups of a file are kept (`.bak`, `.bak.1`, ... newest first). */
export const BACKUPS_KEPT = 3;

/** Frees `<file>.bak` for a new backup by shifting the older ones down; the oldest beyond BACKUPS_KEPT goes. */
export async function rotateBackups(file: string): Promise<string> {
  const name = (i: number) => (i === 0 ? `${file}.bak` : `${file}.bak.${i}`);
  for (let i = BACKUPS_KEPT - 2; i >= 0; i--) {
    await fs.rename(name(i), name(i + 1)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  return name(0);
}

export type JsonRead =
  | { kind: 'missing' }
  | { kind: 'ok'; value: unknown }
  | { kind: 'corrupt'; reason: string; backupPath: string };

/** Read a JSON file; an unparsable one is moved aside to `<file>.bak` (earlier backups kept) so nothing is lost. */
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
    const backupPath = await rotateBackups(file);
    await fs.rename(file, backupPath);
    return { kind: 'corrupt', reason: `not valid JSON (${(e as Error).message})`, backupPath };
  }
}
