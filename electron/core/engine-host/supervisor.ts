import type { EmbeddedStatus } from '../../shared/contract/engine';
import { DeckError, isDeckError, type ErrorInfo } from '../../shared/errors';
import type { Logger } from '../log/logger';
import { freePort, isPortFree } from './free-port';
import { waitForHealth } from './health';
import type { EngineLauncher, LaunchedEngine } from './launcher';

/** A model the engine can load: where it is and how to show it. */
export interface EngineModel {
  id: string;
  label: string;
  demo: boolean;
  dir: string;
}

export interface RestartPolicy {
  /** Crashes tolerated within `windowMs`; one more and the supervisor gives up. */
  maxCrashes: number;
  windowMs: number;
  /** Wait before the n-th restart in a row (the last value repeats). */
  backoffMs: number[];
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 3, windowMs: 60_000, backoffMs: [500, 2000, 5000] };

export interface SupervisorOptions {
  launcher: EngineLauncher;
  log: Logger;
  onStatus: (s: EmbeddedStatus) => void;
  restart?: RestartPolicy;
  /** Time allowed for /health once the process reported ready. */
  healthTimeoutMs?: number;
  /** Where the engine's own log lines go (the app log by default). */
  logPath?: string;
  waitHealthy?: (url: string, o: { timeoutMs: number; signal: AbortSignal }) => Promise<unknown>;
  pickPort?: () => Promise<number>;
  portFree?: (port: number) => Promise<boolean>;
}

const TAIL_LINES = 30;

/**
 * Runs the embedded engine: picks a free port, launches the process, waits for /health,
 * restarts it with backoff when it crashes (keeping its port so chats keep their URL), gives
 * up after too many quick crashes with an error a person can act on, and stops it on request.
 */
export class EngineSupervisor {
  private state: EmbeddedStatus['state'] = 'stopped';
  private model: EngineModel | null = null;
  private proc: LaunchedEngine | null = null;
  private port: number | null = null;
  private startedAt: number | null = null;
  private restarts = 0;
  private error: ErrorInfo | null = null;
  private lastCrash: EmbeddedStatus['lastCrash'] = null;
  private crashes: number[] = [];
  /** Bumped by every start and stop, so late exits and launches of an older run are ignored. */
  private gen = 0;
  private abort = new AbortController();
  private starting: Promise<EmbeddedStatus> | null = null;
  private tail: string[] = [];
  private readonly policy: RestartPolicy;

  constructor(private readonly deps: SupervisorOptions) {
    this.policy = deps.restart ?? DEFAULT_RESTART_POLICY;
  }

  status(): EmbeddedStatus {
    const live = this.state === 'running' || this.state === 'restarting';
    return {
      state: this.state,
      model: this.model ? { id: this.model.id, label: this.model.label, demo: this.model.demo } : null,
      url: live && this.port ? `http://127.0.0.1:${this.port}` : null,
      port: live ? this.port : null,
      pid: this.state === 'running' ? (this.proc?.pid ?? null) : null,
      restarts: this.restarts,
      startedAt: this.state === 'running' ? this.startedAt : null,
      error: this.error,
      lastCrash: this.lastCrash,
      host: this.deps.launcher.kind,
    };
  }

  /** Starts (or restarts with another model); resolves once /health answers. */
  async start(model: EngineModel, port?: number): Promise<EmbeddedStatus> {
    const same = this.model?.id === model.id && this.model.dir === model.dir && (port === undefined || port === this.port);
    if (same && this.state === 'running') return this.status();
    if (same && this.state === 'starting' && this.starting) return this.starting;
    if (this.state !== 'stopped' && this.state !== 'failed') await this.stop();

    const gen = ++this.gen;
    this.abort = new AbortController();
    this.model = model;
    this.error = null;
    this.restarts = 0;
    this.crashes = [];
    this.lastCrash = null;
    this.port = port ?? null;
    this.set('starting');
    const run = (async () => {
      try {
        await this.launch(gen, port !== undefined);
        this.set('running');
        return this.status();
      } catch (e) {
        if (gen === this.gen) {
          this.error = toInfo(e);
          this.set('failed');
        }
        throw e;
      } finally {
        if (gen === this.gen) this.starting = null;
      }
    })();
    this.starting = run;
    return run;
  }

  async stop(): Promise<EmbeddedStatus> {
    if (this.state === 'stopped' || this.state === 'failed') {
      if (this.state === 'failed') this.set('stopped');
      return this.status();
    }
    this.gen++;
    this.abort.abort();
    const proc = this.proc;
    this.proc = null;
    this.set('stopping');
    await proc?.stop(5000);
    this.error = null;
    this.set('stopped');
    return this.status();
  }

  /** The last lines the engine printed (for error details and tests). */
  lines(): string[] {
    return [...this.tail];
  }

  private async launch(gen: number, fixedPort: boolean): Promise<void> {
    const model = this.model!;
    // Keep the previous port across restarts when it is still free: open chats keep working.
    let port = this.port !== null && (fixedPort || (await (this.deps.portFree ?? isPortFree)(this.port))) ? this.port : await (this.deps.pickPort ?? freePort)();
    let proc: LaunchedEngine;
    try {
      proc = await this.deps.launcher.launch({ modelDir: model.dir, modelId: model.id, port, onLine: (l, s) => this.onLine(l, s) });
    } catch (e) {
      // Someone took the port between the check and the bind: once more on a fresh one.
      if (isDeckError(e) && e.code === 'port_in_use' && !fixedPort && gen === this.gen) {
        port = await (this.deps.pickPort ?? freePort)();
        proc = await this.deps.launcher.launch({ modelDir: model.dir, modelId: model.id, port, onLine: (l, s) => this.onLine(l, s) });
      } else throw e;
    }
    if (gen !== this.gen) {
      await proc.stop(2000);
      throw new DeckError('cancelled', 'The embedded engine was stopped while it was starting.');
    }
    this.proc = proc;
    this.port = proc.port;
    try {
      const died = proc.exited.then((code) => {
        throw new DeckError('server_error', `The embedded engine exited (code ${code}) before /health answered.`, 'Look at the engine lines in the log.', { code });
      });
      died.catch(() => undefined);
      await Promise.race([(this.deps.waitHealthy ?? waitForHealth)(`http://127.0.0.1:${proc.port}`, { timeoutMs: this.deps.healthTimeoutMs ?? 30_000, signal: this.abort.signal }), died]);
    } catch (e) {
      if (this.proc === proc) this.proc = null;
      await proc.stop(2000);
      throw e;
    }
    if (gen !== this.gen) {
      await proc.stop(2000);
      throw new DeckError('cancelled', 'The embedded engine was stopped while it was starting.');
    }
    this.startedAt = Date.now();
    this.deps.log.info('embedded engine running', { model: model.id, port: proc.port, pid: proc.pid, host: this.deps.launcher.kind });
    void proc.exited.then((code) => this.onExit(gen, proc, code));
  }

  private async onExit(gen: number, proc: LaunchedEngine, code: number | null): Promise<void> {
    if (gen !== this.gen || this.proc !== proc) return;
    this.proc = null;
    let exitCode = code;
    for (;;) {
      if (!this.recordCrash(exitCode)) return;
      this.set('restarting');
      const wait = this.policy.backoffMs[Math.min(this.crashes.length - 1, this.policy.backoffMs.length - 1)] ?? 1000;
      await sleep(wait, this.abort.signal);
      if (gen !== this.gen) return;
      try {
        await this.launch(gen, false);
        this.restarts++;
        this.set('running');
        return;
      } catch (e) {
        if (gen !== this.gen) return;
        if (isDeckError(e) && e.code === 'model_load_failed') {
          // The model itself is broken: restarting again cannot help.
          this.error = toInfo(e);
          this.set('failed');
          return;
        }
        // A restart that died before it was ready counts as one more crash.
        this.deps.log.warn('embedded engine restart failed', { error: e instanceof Error ? e.message : String(e) });
        exitCode = null;
      }
    }
  }

  /** Counts a crash; false (and state failed) once there were too many in the window. */
  private recordCrash(code: number | null): boolean {
    const now = Date.now();
    this.lastCrash = { code, at: now };
    this.crashes = [...this.crashes.filter((t) => now - t < this.policy.windowMs), now];
    this.deps.log.warn('embedded engine exited unexpectedly', { code, crashes: this.crashes.length, tail: this.tail.slice(-5) });
    if (this.crashes.length <= this.policy.maxCrashes) return true;
    this.error = new DeckError(
      'server_error',
      `The embedded engine crashed ${this.crashes.length} times within ${Math.round(this.policy.windowMs / 1000)} s (last exit code ${code ?? 'none: killed by a signal or died while starting'}); SLM Deck stopped restarting it.`,
      `Look at the engine lines in the log${this.deps.logPath ? ` (${this.deps.logPath})` : ''}. Running out of memory is the usual cause with a large model: close other programs or use a smaller model, then start it again.`,
    ).toInfo();
    this.set('failed');
    return false;
  }

  private onLine(line: string, stream: 'stdout' | 'stderr'): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.deps.log.debug('engine', { stream, line });
  }

  private set(state: EmbeddedStatus['state']): void {
    this.state = state;
    this.deps.onStatus(this.status());
  }
}

function toInfo(e: unknown): ErrorInfo {
  if (isDeckError(e)) {
    const { details: _d, ...info } = e.toInfo();
    return info;
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
