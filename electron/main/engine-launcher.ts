import { createInterface } from 'node:readline';
import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../core/engine-host';
import { engineArgs, parseErrorLine, parseReadyLine } from '../engine/spawn-engine';
import { DeckError } from '../shared/errors';

const READY_TIMEOUT_MS = 120_000;

/**
 * The embedded engine as an Electron utility process (no separate Node install needed, and
 * it shows up in the app's process metrics). Same line protocol as the child-process launcher:
 * `ENGINE_READY port=P` on stdout, `ENGINE_ERROR {json}` on stderr.
 */
export function utilityProcessLauncher(entry: string): EngineLauncher {
  return {
    kind: 'utility-process',
    launch: (o) =>
      new Promise((resolve, reject) => {
        const child = utilityProcess.fork(entry, engineArgs({ modelDir: o.modelDir, modelId: o.modelId, port: o.port, host: '127.0.0.1' }), {
          stdio: 'pipe',
          serviceName: 'SLM Deck engine',
        });
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        const stop = async (graceMs = 5000) => {
          if (child.pid === undefined) return;
          child.kill();
          const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        };
        let settled = false;
        let error: DeckError | null = null;
        const timer = setTimeout(() => {
          finish(() => reject(new DeckError('timeout', 'The engine did not report ready in time.', 'Check the engine lines in the log.')));
          void stop(1000);
        }, READY_TIMEOUT_MS);
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
          if (!stream) continue;
          createInterface({ input: stream }).on('line', (line) => {
            o.onLine(line, name);
            error ??= parseErrorLine(line);
            const port = parseReadyLine(line);
            if (port !== null) finish(() => resolve({ pid: child.pid ?? null, port, exited, stop }));
          });
        }
        void exited.then((code) => finish(() => reject(error ?? new DeckError('server_error', `The engine exited with code ${code} before it was ready.`))));
      }),
  };
}
