import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { DiskSpace } from '../../shared/contract/hardware';

/**
 * Free space on the file system that holds `target`, or its nearest existing parent unless
 * `exact` (a path that must exist here, e.g. Docker's data root, which may be inside a VM).
 */
export async function diskSpace(label: string, target: string, opts: { exact?: boolean } = {}): Promise<DiskSpace> {
  let dir = path.resolve(target);
  for (;;) {
    try {
      const s = await statfs(dir);
      // bavail: blocks an unprivileged user may still use (what a download can fill).
      return { label, path: target, state: 'ok', totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = path.dirname(dir);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== dir && !opts.exact) {
        dir = parent;
        continue;
      }
      return {
        label,
        path: target,
        state: 'unknown',
        totalBytes: null,
        freeBytes: null,
        hint:
          code === 'EACCES'
            ? `No permission to read ${dir}.`
            : code === 'ENOENT'
              ? `${target} is not on this machine's file system (Docker may run in a VM: check its disk size in Docker Desktop's settings).`
              : `Could not measure free space at ${target} (${code ?? 'error'}).`,
      };
    }
  }
}
