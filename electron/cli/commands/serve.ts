import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { DeckError } from '../../shared/errors';
import { isLoopback } from '../../shared/request-guard';
import { startWsServer } from '../../core/rpc/ws-server';
import { openCore } from '../context';
import { fail } from '../output';

/** dist/cli/index.js -> dist/renderer */
function rendererDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.resolve(here, '..', 'renderer');
  return existsSync(path.join(dir, 'index.html')) ? dir : null;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run headless: core services plus the UI on http://127.0.0.1 with a one-time token')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '7860')
    .option('--open', 'open the UI in the default browser')
    .option('--no-embedded', 'do not start the embedded engine when neither Docker nor Ollama is there')
    .action(async (o: { host: string; port: string; open?: boolean; embedded: boolean }, cmd: Command) => {
      try {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new DeckError('invalid_input', `Invalid port "${o.port}".`, 'Use a number from 1 to 65535, or 0 for any free port.');
        }
        const { core } = await openCore(cmd);
        const staticDir = rendererDir();
        const server = await startWsServer(core, {
          host: o.host,
          port,
          staticDir,
          token: process.env.SLM_DECK_TOKEN || undefined,
        }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EADDRINUSE') {
            throw new DeckError('port_in_use', `Port ${port} on ${o.host} is already in use.`, 'Pass --port 0 for any free port, or stop the other program.');
          }
          throw e;
        });
        if (!isLoopback(o.host)) {
          process.stderr.write(
            `warning: listening on ${o.host}: anyone who can reach this machine and has the token can control Docker through SLM Deck.\n`,
          );
        }
        if (!staticDir) process.stderr.write('warning: no renderer build found; run `npm run build` for the UI.\n');
        process.stdout.write(`SLM Deck is running at ${server.openUrl}\n`);
        if (o.open) openBrowser(server.openUrl);
        if (o.embedded) {
          core.engine.autoStart().then(
            (r) => r === 'started' && process.stdout.write(`Embedded engine started (no Docker or Ollama found): ${core.engine.supervisor.status().url}\n`),
            (e: unknown) => process.stderr.write(`warning: the embedded engine did not start: ${e instanceof Error ? e.message : String(e)}\n`),
          );
        }
        const stop = async () => {
          await server.close();
          await core.close();
          process.exit(0);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (e) {
        fail(cmd, e);
      }
    });
}
