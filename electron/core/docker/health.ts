import type Docker from 'dockerode';
import type { Backend } from '../../shared/contract/deploy-config';
import type { LogLine } from '../../shared/contract/docker';
import { DeckError } from '../../shared/errors';
import { toDeckError } from './errors';
import { exportHooks } from './export-hooks';
import { LABEL } from './labels';
import { readLogs } from './logs';
import { roleOf } from './objects';
import { hostForUrl } from './specs/common';

export interface WaitOptions {
  timeoutSec: number;
  signal: AbortSignal;
  onStep?: (step: string, detail?: string) => void;
  pollMs?: number;
  /** The daemon is on this machine, so published ports can be probed (see `answersWhileStarting`). */
  probe?: boolean;
}

/**
 * Docker says "starting" until its first check, which Engine < 25 (no start_interval) runs a whole
 * interval (10 s) after the start. Meanwhile a 2xx from the container's health path on its published
 * port counts as healthy, for the deploy's wait and for the list alike.
 */
export async function answersWhileStarting(i: Docker.ContainerInspectInfo, signal?: AbortSignal): Promise<boolean> {
  if (!i.State.Running || i.State.Health?.Status !== 'starting') return false;
  const labels = i.Config.Labels ?? {};
  const bind = Object.values(i.HostConfig.PortBindings ?? {}).flat()[0] as { HostIp: string; HostPort: string } | undefined;
  const timeout = AbortSignal.timeout(2000);
  try {
    // Throws for a backend label this version does not know: then Docker's word stands.
    const path = exportHooks(labels[LABEL.backend] as Backend).healthPaths[roleOf(labels)];
    if (!path || !bind) return false;
    const res = await fetch(`http://${hostForUrl(bind.HostIp)}:${bind.HostPort}${path}`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function lastLinesText(lines: LogLine[], n = 8): string {
  const tail = lines.slice(-n).map((l) => l.text.trim()).filter(Boolean);
  return tail.length ? ` Last log lines:\n${tail.join('\n')}` : ' It printed nothing.';
}

/** Waits `ms`, rejecting with the signal's reason when it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The exit code of the container's latest `die` event since it was created. */
export async function lastExitCode(docker: Docker, id: string, created: string): Promise<number | null> {
  try {
    const since = Math.floor(Date.parse(created) / 1000) - 1;
    const until = Math.ceil(Date.now() / 1000) + 1;
    const raw = (await docker.getEvents({ since, until, filters: { container: [id], event: ['die'] } })) as unknown;
    const text = Buffer.isBuffer(raw) ? raw.toString() : typeof raw === 'string' ? raw : await streamText(raw as NodeJS.ReadableStream);
    let code: number | null = null;
    for (const line of text.split('\n')) {
      const m = /"exitCode":"(-?\d+)"/.exec(line);
      if (m) code = Number(m[1]);
    }
    return code;
  } catch {
    return null;
  }
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

/**
 * Waits until each container is running and, where it has a healthcheck, healthy. Fails
 * at once (with the last log lines) when a container exits, restarts or turns unhealthy,
 * and with a timeout error, again with the last log lines, when it never gets there.
 */
export async function waitHealthy(docker: Docker, containers: string[], opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutSec * 1000;
  const pending = new Set(containers);
  let lastLogAt = 0;
  while (pending.size) {
    for (const name of [...pending]) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await docker.getContainer(name).inspect({ abortSignal: opts.signal });
      } catch (e) {
        throw toDeckError(e, `check ${name}`, opts.signal);
      }
      const st = info.State;
      if (st.Status === 'exited' || st.Status === 'dead' || st.Restarting || info.RestartCount > 0) {
        const lines = await readLogs(docker, name, 40).catch(() => []);
        // A restarted container shows exit code 0 again; the daemon's die event keeps the real one.
        const code = st.Running || st.Restarting ? await lastExitCode(docker, info.Id, info.Created) : st.ExitCode;
        throw new DeckError(
          'server_error',
          `${name} stopped during start-up (exit code ${code ?? 'unknown'}${st.OOMKilled ? ', killed for using too much memory' : ''}).${lastLinesText(lines)}`,
          st.OOMKilled
            ? 'Raise the memory limit or lower the context length / parallel sequences.'
            : 'The log lines above say why; the container is kept so you can read its full logs.',
        );
      }
      const health = st.Health?.Status;
      if (health === 'unhealthy') {
        const probe = st.Health?.Log?.at(-1)?.Output?.trim();
        const lines = await readLogs(docker, name, 40).catch(() => []);
        throw new DeckError(
          'server_error',
          `${name} is running but its healthcheck fails${probe ? ` (${probe.slice(0, 200)})` : ''}.${lastLinesText(lines)}`,
          'The log lines above say why; the container is kept so you can read its full logs.',
        );
      }
      if (st.Running && (health === 'healthy' || health === undefined || health === 'none')) pending.delete(name);
      else if (opts.probe && (await answersWhileStarting(info, opts.signal))) pending.delete(name);
    }
    if (!pending.size) break;
    if (Date.now() >= deadline) {
      const name = [...pending][0];
      const lines = await readLogs(docker, name, 40).catch(() => []);
      throw new DeckError(
        'timeout',
        `${name} did not become healthy within ${opts.timeoutSec} s.${lastLinesText(lines)}`,
        'It may still be downloading or loading the model: watch its logs, and raise the health timeout if it is making progress.',
      );
    }
    if (opts.onStep && Date.now() - lastLogAt > 3000) {
      lastLogAt = Date.now();
      const name = [...pending][0];
      const last = (await readLogs(docker, name, 1).catch(() => [])).at(-1)?.text.trim();
      opts.onStep(`Waiting for ${name} to become healthy`, last ? last.slice(0, 200) : undefined);
    }
    await sleep(opts.pollMs ?? 1000, opts.signal);
  }
}
