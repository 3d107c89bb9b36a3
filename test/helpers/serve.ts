import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Served {
  url: string;
  openUrl: string;
  home: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export function tempHome(prefix = 'slm-deck-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts the real `slm-deck serve` (built CLI) and waits for the URL line it prints. */
export function startServe(opts: { home?: string; port?: number; env?: Record<string, string>; args?: string[] } = {}): Promise<Served> {
  const home = opts.home ?? tempHome();
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'slm-deck.js'), 'serve', '--port', String(opts.port ?? 0), ...(opts.args ?? [])],
    { env: { ...process.env, SLM_DECK_HOME: home, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
    proc.stdout!.on('data', () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const openUrl = m[1];
      resolve({
        url: new URL(openUrl).origin,
        openUrl,
        home,
        proc,
        output: () => out,
        stop: () =>
          new Promise((res) => {
            if (proc.exitCode !== null) return res();
            proc.once('exit', () => res());
            proc.kill('SIGTERM');
          }),
      });
    });
  });
}
