import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import { isDeckError } from '../../shared/errors';
import { followLogs, LineBatcher } from './logs';
import { containerStats } from './stats';

interface Watch {
  abort: AbortController;
  kind: 'logs' | 'stats';
  name: string;
}

/**
 * Log and stats streams, each scoped to the caller that asked for it: it ends on
 * docker.unwatch, when the caller goes away (socket closed, window reloaded), or when
 * the containers stop. Nothing streams from Docker unless someone asked.
 */
export class Watches {
  private watches = new Map<string, Watch>();

  constructor(
    private bus: EventBus,
    private log: Logger,
  ) {}

  count(): number {
    return this.watches.size;
  }

  unwatch(id: string): boolean {
    const w = this.watches.get(id);
    if (!w) return false;
    w.abort.abort();
    this.watches.delete(id);
    return true;
  }

  closeAll(): void {
    for (const id of [...this.watches.keys()]) this.unwatch(id);
  }

  private open(kind: Watch['kind'], name: string, caller: AbortSignal): { id: string; signal: AbortSignal; end: (reason: string) => void } {
    const id = randomUUID();
    const abort = new AbortController();
    this.watches.set(id, { abort, kind, name });
    const onCallerGone = () => this.unwatch(id);
    caller.addEventListener('abort', onCallerGone, { once: true });
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      caller.removeEventListener('abort', onCallerGone);
      this.watches.delete(id);
      this.bus.emit('docker.watchEnded', { watchId: id, reason });
    };
    abort.signal.addEventListener('abort', () => end('unwatched'), { once: true });
    return { id, signal: abort.signal, end };
  }

  /** Follows the containers' logs; lines reach the bus in ~50 ms frames. */
  followLogs(docker: Docker, name: string, containers: string[], tail: number, caller: AbortSignal): string {
    const { id, signal, end } = this.open('logs', name, caller);
    const batcher = new LineBatcher((lines) => this.bus.emit('docker.logLines', { watchId: id, name, lines }));
    Promise.all(containers.map((c) => followLogs(docker, c, { tail, signal, onLine: (l) => batcher.push(l) })))
      .then(
        () => {
          batcher.flush();
          end(signal.aborted ? 'unwatched' : 'The container stopped.');
        },
        (e: unknown) => {
          batcher.flush();
          this.log.debug('log stream ended', { name, error: String(e) });
          end(isDeckError(e) ? e.message : String(e));
        },
      );
    return id;
  }

  /** Streams stats samples (about one a second per container). */
  watchStats(docker: Docker, name: string, containers: string[], caller: AbortSignal): string {
    const { id, signal, end } = this.open('stats', name, caller);
    Promise.all(
      containers.map(async (c) => {
        for await (const sample of containerStats(docker, c, signal)) {
          this.bus.emit('docker.stats', { watchId: id, name, sample });
        }
      }),
    ).then(
      () => end(signal.aborted ? 'unwatched' : 'The container stopped.'),
      (e: unknown) => end(isDeckError(e) ? e.message : String(e)),
    );
    return id;
  }
}
