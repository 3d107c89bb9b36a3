import { spawnSync } from 'node:child_process';

/**
 * What nvidia-smi says about this machine, asked directly: tests that check "this machine"
 * assert what its user would see, with or without an NVIDIA GPU, instead of assuming none.
 */
export function hostNvidia(): { installed: boolean; gpus: string[] } {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { installed: false, gpus: [] };
  const gpus = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  return { installed: true, gpus };
}
