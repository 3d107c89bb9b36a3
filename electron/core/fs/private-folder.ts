import { promises as fs } from 'node:fs';

/**
 * Creates the folder 0700, or makes an existing one of ours 0700: it holds conversations,
 * secrets and logs, which other users of the machine must not read.
 */
export async function ensurePrivateFolder(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.stat(dir);
  const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (mine && (st.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}
