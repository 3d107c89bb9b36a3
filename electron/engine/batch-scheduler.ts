/**
 * Continuous batching: every sequence asks for its next forward pass on its own; the scheduler runs
 * all pending one-token steps together in one pass (sequences join and leave between passes). A
 * prompt chunk runs as a pass of its own, taking turns with the decode steps, so a new prompt
 * delays the others by one chunk, not by its whole prefill.
 *
 * Rows of one pass share the graph's LongRoPE mode (attention_mask width past the threshold), so
 * sequences on either side of the threshold decode in separate passes.
 */
import type { ForwardRow } from './decoder';

export interface ForwardRunner {
  forward(rows: ForwardRow[]): Promise<Float32Array[]>;
}

interface Pending {
  row: ForwardRow;
  long: boolean;
  resolve: (logits: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatchSchedulerOptions {
  /** LongRoPE threshold of the graph; default none. */
  longRopeThreshold?: number;
  /** 1 for graphs that cannot batch (no GroupQueryAttention). */
  maxRows?: number;
  /** Called for every pass with its number of sequences (metrics). */
  onPass?: (rows: number) => void;
}

export class BatchScheduler {
  private pending: Pending[] = [];
  private busy = false;
  private scheduled = false;
  private lastWasPrefill = false;
  private readonly threshold: number;
  private readonly maxRows: number;
  private readonly onPass?: (rows: number) => void;

  constructor(
    private readonly runner: ForwardRunner,
    o: BatchSchedulerOptions = {},
  ) {
    this.threshold = o.longRopeThreshold ?? Infinity;
    this.maxRows = o.maxRows ?? Infinity;
    this.onPass = o.onPass;
  }

  /** Queues `row` for the next pass that can take it; resolves with its last logits. */
  forward(row: ForwardRow): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, long: row.past + row.ids.length > this.threshold, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.busy || this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    // After the current callbacks: every sequence resolved by the last pass has sampled its next
    // token by then and asked again, so they all join this pass.
    setImmediate(() => {
      this.scheduled = false;
      void this.dispatch();
    });
  }

  private async dispatch(): Promise<void> {
    if (this.busy || this.pending.length === 0) return;
    const batch = this.pick();
    this.busy = true;
    this.onPass?.(batch.length);
    try {
      const logits = await this.runner.forward(batch.map((p) => p.row));
      batch.forEach((p, i) => p.resolve(logits[i]));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.busy = false;
      this.kick();
    }
  }

  /** Decode steps and prompt chunks take turns; among decode steps, those in the oldest one's mode. */
  private pick(): Pending[] {
    const decodes = this.pending.filter((p) => p.row.ids.length === 1);
    const prefill = this.pending.find((p) => p.row.ids.length > 1);
    let chosen: Pending[];
    if (prefill && (decodes.length === 0 || !this.lastWasPrefill)) {
      chosen = [prefill];
      this.lastWasPrefill = true;
    } else {
      const long = decodes[0].long;
      chosen = decodes.filter((p) => p.long === long).slice(0, this.maxRows);
      this.lastWasPrefill = false;
    }
    this.pending = this.pending.filter((p) => !chosen.includes(p));
    return chosen;
  }
}
