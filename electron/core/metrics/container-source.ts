import type Docker from 'dockerode';
import type { StatsSample } from '../../shared/contract/docker';
import type { SourceStatus } from '../../shared/contract/metrics';
import { isDeckError } from '../../shared/errors';
import { MANAGED_FILTER } from '../docker/labels';
import { containerStats } from '../docker/stats';
import { def, errorText, type CollectContext, type MetricSource, type Reading } from './source';

export interface WatchedContainer {
  id: string;
  name: string;
}

/** What the container series need from Docker; the real one is dockerFeed, tests may pass their own. */
export interface ContainerFeed {
  /** Running containers managed by SLM Deck. */
  list(signal: AbortSignal): Promise<WatchedContainer[]>;
  /** Parsed samples, about one a second, until the signal aborts or the container stops. */
  stats(id: string, signal: AbortSignal): AsyncIterable<StatsSample>;
}

/** The docker domain's client and its stats stream parser (CPU % with the docker CLI formula, cgroup memory rules). */
export function dockerFeed(client: () => Promise<{ docker: Docker }>, labelFilter = MANAGED_FILTER): ContainerFeed {
  return {
    list: async (signal) => {
      const { docker } = await client();
      const list = await docker.listContainers({ filters: { label: [labelFilter], status: ['running'] }, abortSignal: signal });
      return list.map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '') }));
    },
    stats: (id, signal) => ({
      [Symbol.asyncIterator]: async function* () {
        const { docker } = await client();
        yield* containerStats(docker, id, signal);
      },
    }),
  };
}

/** Subscribes to "something about managed containers changed"; returns the unsubscribe function. */
export type ChangeFeed = (onChange: () => void) => () => void;

export interface ContainerSourceOptions {
  /** Re-read the list this often when nothing announced a change. */
  pollMs?: number;
  /** ...and this often while Docker cannot be reached, so a returning daemon is noticed soon. */
  failingPollMs?: number;
  /** Change announcements (docker.changed), so new or stopped containers are picked up at once. */
  changes?: ChangeFeed;
}

interface Stream {
  name: string;
  abort: AbortController;
  latest: { sample: StatsSample; at: number } | null;
}

/**
 * Per-container CPU % and memory from one Docker stats stream per running managed
 * container, open only while the `containers` scope is watched. The container list is
 * re-read when the daemon announces a change and on a slow poll (each Docker call costs
 * about 3 ms of CPU in docker-modem, so it is not listed every tick), quicker while the
 * daemon is unreachable so its return is picked up without anyone asking.
 */
export class ContainerSource implements MetricSource {
  readonly scope = 'containers' as const;
  private streams = new Map<string, Stream>();
  private timer: NodeJS.Timeout | null = null;
  private active = false;
  private listAbort: AbortController | null = null;
  private offChanges: (() => void) | null = null;
  private listing = false;
  private again = false;
  private state: SourceStatus = { name: 'docker', scope: 'containers', state: 'idle', message: 'Not sampled right now.' };

  constructor(
    private feed: ContainerFeed,
    private opts: ContainerSourceOptions = {},
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.offChanges = this.opts.changes?.(() => this.soon()) ?? null;
    void this.reconcile();
  }

  stop(): void {
    this.active = false;
    this.offChanges?.();
    this.offChanges = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listAbort?.abort();
    for (const s of this.streams.values()) s.abort.abort();
    this.streams.clear();
    this.state = { name: 'docker', scope: 'containers', state: 'idle', message: 'Not sampled right now.' };
  }

  status(): SourceStatus[] {
    return [this.state];
  }

  /** Names of containers with an open stats stream (for tests and the status line). */
  watching(): string[] {
    return [...this.streams.values()].map((s) => s.name);
  }

  collect(ctx: CollectContext): Reading[] {
    const out: Reading[] = [];
    // Docker sends about one sample a second whatever our interval; older than that is a stalled stream.
    const maxAge = Math.max(2.5 * ctx.intervalMs, 2500);
    for (const s of this.streams.values()) {
      const fresh = s.latest && ctx.now - s.latest.at <= maxAge ? s.latest.sample : null;
      const cpuMax = fresh && fresh.onlineCpus > 0 ? fresh.onlineCpus * 100 : null;
      const memMax = fresh && fresh.memoryLimitBytes > 0 ? fresh.memoryLimitBytes : null;
      out.push({ def: def(`container.${s.name}.cpu`, `${s.name} CPU`, 'percent', 'container-cpu', 'containers', s.name, cpuMax), value: fresh?.cpuPercent ?? null });
      out.push({ def: def(`container.${s.name}.mem`, `${s.name} memory`, 'bytes', 'container-memory', 'containers', s.name, memMax), value: fresh?.memoryBytes ?? null });
    }
    return out;
  }

  /** A change was announced: list again shortly (several announcements in a burst make one call). */
  private soon(): void {
    if (!this.active) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), 200);
    this.timer.unref();
  }

  private async reconcile(): Promise<void> {
    if (!this.active) return;
    if (this.listing) {
      this.again = true;
      return;
    }
    this.listing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listAbort = new AbortController();
    const timeout = setTimeout(() => this.listAbort?.abort(), 5000);
    try {
      const running = await this.feed.list(this.listAbort.signal);
      if (!this.active) return;
      const ids = new Set(running.map((c) => c.id));
      for (const [id, s] of this.streams) {
        if (!ids.has(id)) {
          s.abort.abort();
          this.streams.delete(id);
        }
      }
      for (const c of running) if (!this.streams.has(c.id)) this.open(c);
      this.state = {
        name: 'docker',
        scope: 'containers',
        state: 'ok',
        message: running.length ? `${running.length} managed container${running.length > 1 ? 's' : ''} running` : 'No managed container is running.',
      };
    } catch (e) {
      if (!this.active) return;
      // Daemon gone: drop the streams (their series become gaps) and keep checking.
      for (const s of this.streams.values()) s.abort.abort();
      this.streams.clear();
      this.state = {
        name: 'docker',
        scope: 'containers',
        state: 'failing',
        message: isDeckError(e) ? e.message : `Cannot list containers: ${errorText(e)}`,
        hint: (isDeckError(e) && e.hint) || 'Container charts show a gap until Docker answers again; SLM Deck keeps trying.',
      };
    } finally {
      clearTimeout(timeout);
      this.listing = false;
      if (this.active) {
        const failing = this.state.state === 'failing';
        const wait = this.again ? 0 : failing ? (this.opts.failingPollMs ?? 3000) : (this.opts.pollMs ?? 15_000);
        this.again = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reconcile(), wait);
        this.timer.unref();
      }
    }
  }

  private open(c: WatchedContainer): void {
    const stream: Stream = { name: c.name, abort: new AbortController(), latest: null };
    this.streams.set(c.id, stream);
    void (async () => {
      try {
        for await (const sample of this.feed.stats(c.id, stream.abort.signal)) {
          stream.latest = { sample, at: Date.now() };
        }
      } catch {
        // The container stopped or the daemon went away; the list decides which.
      } finally {
        if (this.streams.get(c.id) === stream) {
          this.streams.delete(c.id);
          if (!stream.abort.signal.aborted) this.soon();
        }
      }
    })();
  }
}
