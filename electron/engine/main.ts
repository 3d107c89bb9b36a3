/**
 * Engine process entry (embedded child process or container):
 *
 *   node dist/engine/main.js --model DIR [--port 8080] [--host 127.0.0.1] [--concurrency 1] [--queue 16]
 *                            [--model-id NAME] [--threads N] [--execution-provider cpu|cuda|auto] [--context TOKENS]
 *                            [--api-key KEY | --api-key-file FILE]
 *
 * Prints `ENGINE_READY port=P` once listening (P is the real port when --port 0), or
 * `ENGINE_ERROR {"code":..,"message":..,"hint":..}` on stderr and exits 2 when the model cannot load.
 * SIGTERM/SIGINT close the server and exit 0.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { consoleSink, createLogger } from '../shared/log';
import { DeckError } from '../shared/errors';
import { Engine } from './engine';
import { startEngineServer } from './server';

function intOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new DeckError('invalid_input', `--${name} must be an integer >= ${min}, got "${value}".`);
  }
  return n;
}

/** cpu (default), cuda, or auto (CUDA when its libraries are installed, else CPU). */
function providersOption(value: string | undefined): string[] {
  if (value === undefined || value === 'cpu') return ['cpu'];
  if (value === 'cuda' || value === 'auto') return ['cuda', 'cpu'];
  throw new DeckError('invalid_input', `--execution-provider must be cpu, cuda or auto, got "${value}".`);
}

/** The key from --api-key or, kept out of the command line and the environment, from a file (containers mount one). */
async function apiKeyOption(key: string | undefined, file: string | undefined): Promise<string | undefined> {
  if (key !== undefined && file !== undefined) throw new DeckError('invalid_input', 'Pass --api-key or --api-key-file, not both.');
  const value = file === undefined ? key : (await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new DeckError('invalid_input', `Cannot read --api-key-file ${file}: ${e.code ?? e.message}.`);
  })).trim();
  if (value !== undefined && value.length < 16) throw new DeckError('invalid_input', 'The API key must be at least 16 characters.');
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      'model-id': { type: 'string' },
      threads: { type: 'string' },
      'execution-provider': { type: 'string' },
      context: { type: 'string' },
      'exit-with-parent': { type: 'boolean' },
      'api-key': { type: 'string' },
      'api-key-file': { type: 'string' },
    },
    strict: true,
  });
  if (!values.model) throw new DeckError('invalid_input', '--model DIR is required.', 'Pass the folder that holds genai_config.json.');
  const port = intOption('port', values.port, 8080, 0);
  if (port > 65535) throw new DeckError('invalid_input', `--port must be at most 65535, got ${port}.`);
  const logger = createLogger([consoleSink], 'info', 'engine');
  const apiKey = await apiKeyOption(values['api-key'], values['api-key-file']);

  const engine = await Engine.load({
    modelDir: values.model,
    modelId: values['model-id'],
    concurrency: intOption('concurrency', values.concurrency, 1, 1),
    maxQueue: intOption('queue', values.queue, 16, 0),
    intraOpThreads: values.threads ? intOption('threads', values.threads, 0, 1) : undefined,
    executionProviders: providersOption(values['execution-provider']),
    contextLength: values.context === undefined ? undefined : intOption('context', values.context, 0, 16),
  });
  const host = values.host ?? '127.0.0.1';
  const server = await startEngineServer(engine, { host, port, logger, apiKey }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') {
      throw new DeckError('port_in_use', `Port ${port} on ${host} is already in use.`, 'Pass --port 0 for any free port, or stop the other program.');
    }
    throw e;
  });
  logger.info('engine ready', { url: server.url, kvMode: engine.model.plan.mode, providers: engine.model.executionProviders, ...engine.stats() });
  process.stdout.write(`ENGINE_READY port=${server.port}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('engine stopping', { signal });
    await server.close();
    await engine.dispose();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A supervisor that dies without stopping us (kill -9, crash) closes our stdin pipe: exit with it.
  if (values['exit-with-parent']) {
    process.stdin.on('end', () => void stop('parent exited'));
    process.stdin.resume();
  }
}

// The model worker runs this bundle too (model-worker.ts): it must not start a server.
if (isMainThread) {
  main().catch((e: unknown) => {
    const info = e instanceof DeckError ? e.toInfo() : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
    process.stderr.write(`ENGINE_ERROR ${JSON.stringify(info)}\n`);
    process.exit(2);
  });
}
