import { spawnEngine } from '../../engine/spawn-engine';

/** What the supervisor asks of a launcher: run the engine on this model and port. */
export interface LaunchOptions {
  modelDir: string;
  modelId: string;
  port: number;
  /** Every line the engine prints (its JSON log and the ready/error lines). */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** A running engine process, however it is hosted. */
export interface LaunchedEngine {
  pid: number | null;
  port: number;
  /** Resolves with the exit code when the process is gone. */
  exited: Promise<number | null>;
  /** Graceful stop (SIGTERM), then a kill after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts an engine process and resolves once it printed `ENGINE_READY`, or rejects with the
 * DeckError of its `ENGINE_ERROR` line / early exit. Serve mode and the CLI use a Node child
 * process; the desktop app injects an Electron utilityProcess launcher with the same contract.
 */
export interface EngineLauncher {
  /** Shown in engine.status (`child-process`, `utility-process`). */
  readonly kind: string;
  launch(o: LaunchOptions): Promise<LaunchedEngine>;
}

/** The engine as a Node child process of this process (`node dist/engine/main.js`, or main.ts through tsx from source). */
export function childProcessLauncher(entry?: string): EngineLauncher {
  return {
    kind: 'child-process',
    launch: async (o) => {
      const p = await spawnEngine({ modelDir: o.modelDir, modelId: o.modelId, port: o.port, host: '127.0.0.1', onLine: o.onLine, ...(entry ? { entry } : {}) });
      return {
        pid: p.child.pid ?? null,
        port: p.port,
        exited: p.exited,
        stop: async (graceMs) => {
          await p.stop(graceMs);
        },
      };
    },
  };
}
