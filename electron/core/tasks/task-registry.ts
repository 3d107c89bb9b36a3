import { randomUUID } from 'node:crypto';
import type { TaskSnapshot } from '../../shared/contract/app';
import { DeckError, isDeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type TaskUpdate = Partial<Pick<TaskSnapshot, 'progress' | 'step' | 'detail' | 'bytesDone' | 'bytesTotal'>>;

export interface TaskContext {
  signal: AbortSignal;
  update(patch: TaskUpdate): void;
}

interface Entry {
  snap: TaskSnapshot;
  abort: AbortController;
  timer: unknown;
  lastEmit: number;
  speedSample?: { at: number; bytes: number };
}

const EMIT_INTERVAL_MS = 100;
const KEEP_FINISHED = 50;

/**
 * Long operations run as tasks: the caller gets an id at once, progress is throttled to
 * about ten events a second, and cancellation goes through an AbortController.
 */
export class TaskRegistry {
  private tasks = new Map<string, Entry>();

  constructor(
    private bus: EventBus,
    private clock: Clock = systemClock,
  ) {}

  start<T>(kind: string, title: string, run: (ctx: TaskContext) => Promise<T>): { taskId: string } {
    const id = randomUUID();
    const entry: Entry = {
      snap: { id, kind, title, state: 'running', progress: null, step: 'Starting', startedAt: this.clock.now() },
      abort: new AbortController(),
      timer: undefined,
      lastEmit: 0,
    };
    this.tasks.set(id, entry);
    this.emitNow(entry);
    const ctx: TaskContext = { signal: entry.abort.signal, update: (p) => this.update(entry, p) };
    // Defer so the caller receives the id before the first await of the task body.
    queueMicrotask(() => {
      run(ctx).then(
        (result) => this.finish(entry, 'succeeded', { result }),
        (err) => this.finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'failed', { err }),
      );
    });
    return { taskId: id };
  }

  list(): TaskSnapshot[] {
    return [...this.tasks.values()].map((e) => e.snap);
  }

  get(id: string): TaskSnapshot | undefined {
    return this.tasks.get(id)?.snap;
  }

  cancel(id: string): boolean {
    const entry = this.tasks.get(id);
    if (!entry) throw new DeckError('not_found', `No task with id ${id}.`, 'It may have finished long ago; refresh the task list.');
    if (entry.snap.state !== 'running') return false;
    entry.abort.abort(new DeckError('cancelled', 'Cancelled by the user.'));
    return true;
  }

  /** Resolves with the task's final snapshot (used by the CLI and tests). */
  wait(id: string): Promise<TaskSnapshot> {
    const snap = this.get(id);
    if (!snap) return Promise.reject(new DeckError('not_found', `No task with id ${id}.`));
    if (snap.state !== 'running') return Promise.resolve(snap);
    return new Promise((resolve) => {
      const off = this.bus.on('task.done', (s) => {
        if (s.id === id) {
          off();
          resolve(s);
        }
      });
    });
  }

  private update(entry: Entry, patch: TaskUpdate): void {
    if (entry.snap.state !== 'running') return;
    const now = this.clock.now();
    const next: TaskSnapshot = { ...entry.snap, ...patch };
    if (patch.bytesDone !== undefined) {
      const s = entry.speedSample;
      if (!s) entry.speedSample = { at: now, bytes: patch.bytesDone };
      else if (now - s.at >= 500) {
        const inst = ((patch.bytesDone - s.bytes) * 1000) / (now - s.at);
        next.speed = entry.snap.speed === undefined ? inst : 0.7 * entry.snap.speed + 0.3 * inst;
        entry.speedSample = { at: now, bytes: patch.bytesDone };
      }
      if (next.bytesTotal && next.bytesTotal > 0) {
        next.progress = Math.min(1, patch.bytesDone / next.bytesTotal);
        if (next.speed && next.speed > 0) next.etaSeconds = Math.max(0, (next.bytesTotal - patch.bytesDone) / next.speed);
      }
    }
    entry.snap = next;
    const wait = EMIT_INTERVAL_MS - (now - entry.lastEmit);
    if (wait <= 0) this.emitNow(entry);
    else if (entry.timer === undefined) {
      entry.timer = this.clock.setTimeout(() => this.emitNow(entry), wait);
    }
  }

  private emitNow(entry: Entry): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.lastEmit = this.clock.now();
    if (entry.snap.state === 'running') this.bus.emit('task.progress', entry.snap);
  }

  private finish(entry: Entry, state: TaskSnapshot['state'], out: { result?: unknown; err?: unknown }): void {
    // A throttled update still waiting is sent first: a quick task's steps are not lost.
    if (entry.timer !== undefined) this.emitNow(entry);
    const snap: TaskSnapshot = { ...entry.snap, state, endedAt: this.clock.now() };
    if (state === 'succeeded') {
      snap.progress = 1;
      snap.step = 'Done';
      if (out.result !== undefined) snap.result = out.result;
    } else if (state === 'cancelled') {
      snap.step = 'Cancelled';
    } else {
      const e = out.err;
      snap.step = 'Failed';
      snap.error = isDeckError(e)
        ? { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }
        : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
    }
    entry.snap = snap;
    this.bus.emit('task.done', snap);
    this.prune();
  }

  private prune(): void {
    const finished = [...this.tasks.values()].filter((e) => e.snap.state !== 'running');
    for (const e of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.tasks.delete(e.snap.id);
  }
}
