import { execFile } from 'node:child_process';

/** The outcome of running a command-line tool, with every failure kept apart. */
export type ToolRun =
  | { kind: 'ok'; stdout: string; stderr: string }
  | { kind: 'absent' }
  | { kind: 'timeout'; ms: number }
  | { kind: 'failed'; exitCode: number | null; stdout: string; stderr: string; message: string };

/** Runs a tool without blocking the event loop; injected so parsers can be tested with recorded output. */
export type RunTool = (cmd: string, args: string[], opts?: { timeoutMs?: number }) => Promise<ToolRun>;

const DEFAULT_TIMEOUT_MS = 5000;

export const runTool: RunTool = (cmd, args, opts = {}) => {
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: ms, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, windowsHide: true, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (!err) return resolve({ kind: 'ok', stdout, stderr });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number | null };
        if (e.code === 'ENOENT') return resolve({ kind: 'absent' });
        if (e.killed || e.signal === 'SIGKILL') return resolve({ kind: 'timeout', ms });
        resolve({
          kind: 'failed',
          exitCode: typeof e.code === 'number' ? e.code : null,
          stdout: String(stdout ?? ''),
          stderr: String(stderr ?? ''),
          message: e.message,
        });
      },
    );
  });
};
