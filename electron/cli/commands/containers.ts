import type { Command } from 'commander';
import type { Deployment, DockerStatus, LogLine } from '../../shared/contract/docker';
import { verb } from '../context';
import { print, table } from '../output';
import { waitTask } from './deploy';
import { fmtSize } from '../../shared/format';

function uptime(s: number | null): string {
  if (s === null) return '';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function portsOf(d: Deployment): string {
  return d.containers.flatMap((c) => c.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}`)).join(', ');
}

/** A remote daemon's machine, which deployments (and the planner) use instead of this one. */
function remoteLine(s: DockerStatus): string {
  const gpus = s.gpu.cdiDevices.length ? s.gpu.cdiDevices.join(', ') : s.gpu.nvidiaRuntime ? 'nvidia runtime' : 'none';
  return `remote host: ${s.cpus ?? '?'} CPUs, ${fmtSize(s.memoryBytes ?? 0)} memory, GPUs: ${gpus}${s.endpoint.startsWith('ssh://') ? '; deployments are reached through SSH tunnels' : ''}`;
}

function formatLine(l: LogLine, many: boolean): string {
  return `${many ? `${l.container} | ` : ''}${l.stream === 'stderr' ? '! ' : ''}${l.text}`;
}

export function registerContainers(program: Command): void {
  program
    .command('docker')
    .description('Docker engine status: where it is, whether it answers, and GPU passthrough')
    .action(
      verb(async (ctx, cmd) => {
        const s = await ctx.call('docker.status', { refresh: true });
        print(cmd, s, (v) =>
          [
            v.message,
            `endpoint: ${v.endpoint} (${v.source})`,
            ...(v.hint ? [`hint: ${v.hint}`] : []),
            ...(v.state === 'reachable' ? [`os/arch: ${v.os}/${v.arch}; API ${v.apiVersion}; GPU passthrough: ${v.gpu.available ? 'yes' : 'no'}`] : []),
            ...(v.state === 'reachable' && v.remote ? [remoteLine(v)] : []),
          ].join('\n'),
        );
        return s.state === 'reachable' ? 0 : 1;
      }),
    );

  program
    .command('ps')
    .description('List the deployments SLM Deck manages')
    .action(
      verb(async (ctx, cmd) => {
        const list = await ctx.call('docker.list', {});
        print(cmd, list, (l) =>
          l.length
            ? table([
                ['NAME', 'BACKEND', 'STATE', 'HEALTH', 'UP', 'PORTS', 'ENDPOINT'],
                ...l.map((d) => [d.name, d.backend, d.state, d.health, uptime(d.uptimeSeconds), portsOf(d), d.endpoint?.url ?? '']),
              ])
            : 'No deployments. Start one with `slm-deck deploy ollama` (or from the Deploy page).',
        );
      }),
    );

  program
    .command('logs <name>')
    .description('Print a deployment’s logs (stdout and stderr)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'lines from the end', '200')
    .option('--grep <text>', 'only lines containing this text')
    .option('--webui', 'the Open WebUI container instead of the server')
    .action(
      verb(async (ctx, cmd, name: string, o: { follow?: boolean; tail: string; grep?: string; webui?: boolean }) => {
        const role = o.webui ? ('webui' as const) : ('server' as const);
        const tail = Math.max(1, Number(o.tail) || 200);
        const json = Boolean(cmd.optsWithGlobals().json);
        const grep = o.grep?.toLowerCase();
        const out = (l: LogLine) => {
          if (grep && !l.text.toLowerCase().includes(grep)) return;
          process.stdout.write(json ? `${JSON.stringify(l)}\n` : `${formatLine(l, false)}\n`);
        };
        if (!o.follow) {
          const { lines } = await ctx.call('docker.logs', { name, role, tail, ...(o.grep ? { search: o.grep } : {}) });
          if (json) print(cmd, lines, () => '');
          else for (const l of lines) process.stdout.write(`${formatLine(l, false)}\n`);
          return;
        }
        const { watchId } = await ctx.call('docker.followLogs', { name, role, tail });
        ctx.core.bus.on('docker.logLines', (e) => {
          if (e.watchId === watchId) e.lines.forEach(out);
        });
        await new Promise<void>((resolve) => {
          ctx.core.bus.on('docker.watchEnded', (e) => {
            if (e.watchId !== watchId) return;
            if (e.reason !== 'unwatched') process.stderr.write(`-- ${e.reason}\n`);
            resolve();
          });
          process.once('SIGINT', () => resolve());
        });
        await ctx.call('docker.unwatch', { watchId });
      }),
    );

  for (const action of ['start', 'stop', 'restart'] as const) {
    program
      .command(`${action} <name>`)
      .description(`${action[0].toUpperCase()}${action.slice(1)} a deployment`)
      .action(
        verb(async (ctx, cmd, name: string) => {
          const d = await ctx.call(`docker.${action}`, { name });
          print(cmd, d, (v) => `${v.name} is ${v.state}`);
        }),
      );
  }

  program
    .command('rm <name>')
    .description('Remove a deployment (its model volumes are kept unless --volumes)')
    .option('--volumes', 'also remove its volumes (downloaded models) when nothing else uses them')
    .action(
      verb(async (ctx, cmd, name: string, o: { volumes?: boolean }) => {
        const r = await ctx.call('docker.remove', { name, removeVolumes: o.volumes === true });
        print(cmd, r, (v) =>
          [
            `removed ${v.containers.join(', ') || 'nothing'}`,
            ...(v.volumesRemoved.length ? [`removed volumes ${v.volumesRemoved.join(', ')}`] : []),
            ...(v.volumesKept.length ? [`kept volumes ${v.volumesKept.join(', ')}`] : []),
            ...(v.volumesInUse?.length ? [`(${v.volumesInUse.join(', ')}: still used by another deployment)`] : []),
          ].join('\n'),
        );
      }),
    );

  program
    .command('pull <image>')
    .description('Pull an image (through the registry mirror setting) with progress')
    .option('--no-mirror', 'pull from the image’s own registry')
    .action(
      verb(async (ctx, cmd, image: string, o: { mirror: boolean }) => {
        const { taskId } = await ctx.call('docker.pull', { image, mirror: o.mirror });
        process.once('SIGINT', () => void ctx.call('tasks.cancel', { taskId }));
        const r = (await waitTask(ctx, cmd, taskId)) as { image: string; id: string; sizeBytes: number };
        print(cmd, r, (v) => `pulled ${v.image} (${(v.sizeBytes / 1e6).toFixed(1)} MB)`);
      }),
    );
}
