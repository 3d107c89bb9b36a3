/**
 * Runs the engine as a child process (serve mode, tests) and waits for its ready line. The line
 * protocol is exported so an Electron utilityProcess host can parse the same output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeckError, ERROR_CODES, type ErrorCode, type ErrorInfo } from '../shared/errors';

export interface SpawnEngineOptions {
  modelDir: string;
  /** 0 (default) lets the engine pick a free port and report it. */
  port?: number;
  host?: string;
  concurrency?: number;
  queue?: number;
  modelId?: string;
  threads?: number;
  executionProvider?: 'cpu' | 'cuda' | 'auto';
  /** Tokens a sequence may use; default the model's limit. */
  context?: number;
  /** A file holding the API key clients must send as `Authorization: Bearer` (kept off the command line). */
  apiKeyFile?: string;
  /** Engine entry; default: see defaultEngineEntry(). A .ts entry runs through tsx. */
  entry?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 120 s: a real model can take a while to map into memory. */
  readyTimeoutMs?: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface EngineProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Resolves with the exit code once the process is gone and its output is read. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** `ENGINE_READY port=P` -> P. */
export function parseReadyLine(line: string): number | null {
  const m = /^ENGINE_READY port=(\d+)\s*$/.exec(line);
  return m ? Number(m[1]) : null;
}

/** `ENGINE_ERROR {json}` -> the DeckError it describes. */
export function parseErrorLine(line: string): DeckError | null {
  if (!line.startsWith('ENGINE_ERROR ')) return null;
  try {
    const info = JSON.parse(line.slice('ENGINE_ERROR '.length)) as Partial<ErrorInfo>;
    const code: ErrorCode = ERROR_CODES.includes(info.code as ErrorCode) ? (info.code as ErrorCode) : 'internal';
    return new DeckError(code, info.message ?? 'The engine failed to start.', info.hint, info.details);
  } catch {
    return new DeckError('internal', line.slice('ENGINE_ERROR '.length));
  }
}

export function engineArgs(o: SpawnEngineOptions): string[] {
  const args = ['--model', o.modelDir, '--port', String(o.port ?? 0), '--host', o.host ?? '127.0.0.1'];
  if (o.concurrency !== undefined) args.push('--concurrency', String(o.concurrency));
  if (o.queue !== undefined) args.push('--queue', String(o.queue));
  if (o.modelId !== undefined) args.push('--model-id', o.modelId);
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.executionProvider !== undefined) args.push('--execution-provider', o.executionProvider);
  if (o.context !== undefined) args.push('--context', String(o.context));
  if (o.apiKeyFile !== undefined) args.push('--api-key-file', o.apiKeyFile);
  return args;
}

/**
 * From source: electron/engine/main.ts next to this file. From an ESM bundle in dist/<name>/:
 * dist/engine/main.js. A CommonJS bundle (Electron main) must pass `entry` itself.
 */
export function defaultEngineEntry(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url !== 'string') {
    throw new DeckError('internal', 'The engine entry cannot be located from a CommonJS bundle.', 'Pass `entry` (dist/engine/main.js) to spawnEngine.');
  }
  const here = fileURLToPath(url);
  return here.endsWith('.ts') ? path.join(path.dirname(here), 'main.ts') : path.join(path.dirname(here), '..', 'engine', 'main.js');
}

export function spawnEngine(o: SpawnEngineOptions): Promise<EngineProcess> {
  let entry: string;
  try {
    entry = o.entry ?? defaultEngineEntry();
  } catch (e) {
    return Promise.reject(e);
  }
  const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const child = spawn(process.execPath, [...nodeArgs, ...engineArgs(o), '--exit-with-parent'], {
    env: { ...process.env, ...o.env },
    // The stdin pipe is the engine's lifeline: it closes when this process dies, however it dies.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stop = async (graceMs = 5000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    let error: DeckError | null = null;
    let settled = false;
    const tail: string[] = [];
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      settle(() => reject(new DeckError('timeout', `The engine did not report ready within ${o.readyTimeoutMs ?? 120_000} ms.`, 'Check the engine log; a large model may need more memory or time.')));
      void stop(1000);
    }, o.readyTimeoutMs ?? 120_000);

    const watch = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
      createInterface({ input: stream }).on('line', (line) => {
        o.onLine?.(line, name);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        error ??= parseErrorLine(line);
        const port = parseReadyLine(line);
        if (port !== null) {
          const host = o.host ?? '127.0.0.1';
          settle(() => resolve({ child, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, exited, stop }));
        }
      });
    };
    watch(child.stdout!, 'stdout');
    watch(child.stderr!, 'stderr');
    child.once('error', (e) => settle(() => reject(new DeckError('internal', `Could not start the engine: ${e.message}`))));
    void exited.then((code) =>
      settle(() =>
        reject(error ?? new DeckError('server_error', `The engine exited with code ${code} before it was ready.`, undefined, { output: tail.join('\n') })),
      ),
    );
  });
}
