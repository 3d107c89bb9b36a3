import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeckError } from '../../shared/errors';

/** Folders whose contents a container must never see, even read-only (credentials, the Docker socket, the OS). */
const SYSTEM_FOLDERS = [
  '/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run', '/sbin', '/sys',
  '/usr', '/var', '/var/run', '/var/lib', '/var/lib/docker', '/home', '/Users', '/System', '/Library', '/private', '/private/etc', '/private/var',
];
const SYSTEM_PREFIXES = ['/etc/', '/proc/', '/sys/', '/dev/', '/run/', '/var/run/', '/boot/', '/var/lib/docker/', '/private/etc/', '/System/'];

const HINT = 'Pick the folder that holds the model files (genai_config.json, model.onnx, tokenizer.json), e.g. one the Models page downloaded.';

function refuse(folder: string, why: string): DeckError {
  return new DeckError('invalid_input', `${folder} cannot be mounted as a model folder: ${why}.`, HINT, { field: 'modelPath' });
}

/** Lexical rules that hold on any machine (also for a remote Docker host, whose disk we cannot read). */
export function checkModelPathShape(folder: string): void {
  if (folder.includes('\0')) throw refuse(JSON.stringify(folder), 'it contains a NUL byte');
  const isAbsolute = path.posix.isAbsolute(folder) || path.win32.isAbsolute(folder);
  if (!isAbsolute) throw refuse(folder, 'it is not an absolute path');
  const p = path.posix.normalize(folder.replace(/\\/g, '/')).replace(/(.)\/$/, '$1');
  if (/^[A-Za-z]:\/?$/.test(p) || /^[A-Za-z]:\/windows(\/|$)/i.test(p)) throw refuse(folder, 'it is a drive root or a system folder');
  if (SYSTEM_FOLDERS.includes(p) || SYSTEM_PREFIXES.some((s) => p.startsWith(s))) throw refuse(folder, 'it is a system folder');
  if (/docker\.sock$|\.sock$/.test(p)) throw refuse(folder, 'it is a socket');
}

/**
 * A deploy's model folder on this machine, resolved through symlinks and checked: a folder (not a
 * file or a socket), not a system folder, not the user's home or SLM Deck's own home (secrets)
 * or a folder above them, inside that home only within its model store (`modelsDir`), holding
 * genai_config.json. Returns the resolved path to mount, or null when nothing is there yet (the
 * deploy reports a missing folder itself, after the planner's verdict).
 */
export async function resolveModelFolder(folder: string, modelsDir: string): Promise<string | null> {
  const appHome = path.dirname(modelsDir);
  checkModelPathShape(folder);
  let real: string;
  try {
    real = await fs.realpath(folder);
  } catch {
    return null;
  }
  checkModelPathShape(real);
  const stat = await fs.stat(real);
  if (!stat.isDirectory()) throw refuse(folder, stat.isSocket() ? 'it is a socket' : 'it is not a folder');
  const within = (outer: string, inner: string) => inner === outer || inner.startsWith(outer + path.sep);
  const realOrResolved = async (p: string) => fs.realpath(p).catch(() => path.resolve(p));
  const home = await realOrResolved(appHome);
  if (within(real, home)) throw refuse(folder, `it holds SLM Deck's own folder ${home}`);
  if (within(home, real) && !within(await realOrResolved(modelsDir), real)) throw refuse(folder, `it is inside SLM Deck's own folder but not its model store`);
  const user = await realOrResolved(os.homedir());
  if (within(real, user)) throw refuse(folder, `it holds your home folder ${user}`);
  const config = await fs.stat(path.join(real, 'genai_config.json')).catch(() => null);
  if (!config?.isFile()) throw refuse(folder, 'it has no genai_config.json');
  return real;
}
