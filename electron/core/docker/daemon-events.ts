import { z } from 'zod';
import type { EventBus } from '../events/event-bus';
import { LineSplitter } from '../http/line-stream';
import type { Logger } from '../log/logger';
import type { DockerConnection } from './connection';
import { LABEL, MANAGED_FILTER } from './labels';

const CHECK_MS = 2_000;

const DaemonEventSchema = z.object({
  Type: z.string().optional(),
  Action: z.string(),
  Actor: z.object({ Attributes: z.record(z.string(), z.string()).nullish() }).optional(),
});

/** health_status: healthy -> health_status:healthy; exec events are noise. */
export function interestingAction(action: string): string | null {
  const a = action.replace(/\s+/g, '');
  if (/^(exec_|attach|resize|top|archive-path|export|copy|commit)/.test(a)) return null;
  return a;
}

/**
 * Relays the daemon's events about managed containers as docker.changed, so lists refresh
 * when something changes outside the app (docker stop, a crash, a health transition).
 * Runs only while someone listens to docker.changed and the daemon is reachable.
 */
export class DaemonEvents {
  private timer: NodeJS.Timeout | null = null;
  private running: AbortController | null = null;

  constructor(
    private conn: DockerConnection,
    private bus: EventBus,
    private log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), CHECK_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.running?.abort();
    this.running = null;
  }

  private async tick(): Promise<void> {
    const wanted = this.bus.listenerCount('docker.changed') > 0;
    if (!wanted) {
      this.running?.abort();
      this.running = null;
      return;
    }
    if (this.running) return;
    const abort = new AbortController();
    this.running = abort;
    try {
      const { docker } = await this.conn.client();
      const stream = (await docker.getEvents({
        filters: { type: ['container'], label: [MANAGED_FILTER] },
        abortSignal: abort.signal,
      } as Parameters<typeof docker.getEvents>[0])) as unknown as NodeJS.ReadableStream;
      // Anything could have changed while nobody was watching.
      this.bus.emit('docker.changed', { name: null, action: 'resync' });
      const lines = new LineSplitter();
      await new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => {
          for (const text of lines.push(chunk)) this.relay(text);
        });
        stream.on('end', () => resolve());
        stream.on('close', () => resolve());
        stream.on('error', () => resolve());
        abort.signal.addEventListener('abort', () => {
          (stream as unknown as { destroy?: () => void }).destroy?.();
          resolve();
        });
      });
      if (!abort.signal.aborted) {
        // The daemon went away: let the connection find out, and tell listeners.
        this.conn.invalidate();
        this.bus.emit('docker.changed', { name: null, action: 'disconnected' });
      }
    } catch (e) {
      this.log.debug('daemon events unavailable', { error: e instanceof Error ? e.message : String(e) });
    } finally {
      if (this.running === abort) this.running = null;
    }
  }

  private relay(text: string): void {
    if (!text.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const ev = DaemonEventSchema.safeParse(json);
    if (!ev.success) return;
    const action = interestingAction(ev.data.Action);
    if (!action) return;
    const name = ev.data.Actor?.Attributes?.[LABEL.deployment] ?? null;
    this.bus.emit('docker.changed', { name, action });
  }
}
