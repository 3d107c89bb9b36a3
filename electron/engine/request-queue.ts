/**
 * At most `concurrency` generations run at once (each owns a KV slot); up to `maxWaiting` more wait
 * in FIFO order; beyond that a request is refused at once so the server can answer 503.
 */
import { DeckError } from '../shared/errors';

export class QueueFullError extends DeckError {
  constructor(running: number, waiting: number) {
    super(
      'insufficient_resources',
      `The engine is busy: ${running} request(s) running and ${waiting} waiting.`,
      'Retry in a moment, or start the engine with a larger --concurrency or --queue.',
    );
  }
}

export class CancelledError extends DeckError {
  constructor() {
    super('cancelled', 'The request was cancelled.');
  }
}

interface Waiter {
  resolve: (slot: number) => void;
  reject: (e: Error) => void;
}

export class RequestQueue {
  private readonly free: number[];
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError('queue size must be an integer >= 0');
    this.free = Array.from({ length: concurrency }, (_, i) => i);
  }

  get running(): number {
    return this.concurrency - this.free.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Runs `task` with a slot index once one is free. `pick` chooses among free slots (e.g. the one
   * whose cache shares the longest prefix with the prompt).
   */
  async run<T>(task: (slot: number) => Promise<T>, signal?: AbortSignal, pick?: (free: readonly number[]) => number): Promise<T> {
    const slot = await this.acquire(signal, pick);
    try {
      return await task(slot);
    } finally {
      this.release(slot);
    }
  }

  private acquire(signal?: AbortSignal, pick?: (free: readonly number[]) => number): Promise<number> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.free.length > 0 && this.waiters.length === 0) {
      const i = pick ? this.free.indexOf(pick(this.free)) : 0;
      return Promise.resolve(this.free.splice(Math.max(i, 0), 1)[0]);
    }
    if (this.waiters.length >= this.maxWaiting) return Promise.reject(new QueueFullError(this.running, this.waiting));
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(slot: number): void {
    const next = this.waiters.shift();
    if (next) next.resolve(slot);
    else this.free.push(slot);
  }
}
