import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BenchRunIdSchema, BenchRunSchema, type BenchRun, type BenchRunSummary } from '../../shared/contract/bench';
import { DeckError } from '../../shared/errors';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import { containedPath } from '../fs/contained-path';
import type { Logger } from '../log/logger';

/** Saved runs, one JSON file each under <home>/benchmarks/. */
export class BenchStore {
  readonly dir: string;

  constructor(
    home: string,
    private log: Logger,
  ) {
    this.dir = path.join(home, 'benchmarks');
  }

  private file(id: string): string {
    if (!BenchRunIdSchema.safeParse(id).success) throw new DeckError('invalid_input', `"${id}" is not a run id.`);
    return containedPath(this.dir, `${id}.json`);
  }

  async save(run: BenchRun): Promise<void> {
    await writeFileAtomic(this.file(run.id), JSON.stringify(run, null, 1) + '\n');
  }

  async get(id: string): Promise<BenchRun> {
    const read = await readJsonOrRecover(this.file(id));
    if (read.kind === 'missing') throw new DeckError('not_found', `No benchmark run ${id}.`, 'Pick a run from the history; it may have been deleted.');
    if (read.kind === 'corrupt') {
      throw new DeckError('io_error', `The run ${id} was unreadable (${read.reason}); it was kept as ${read.backupPath}.`, 'Run the benchmark again.');
    }
    const parsed = BenchRunSchema.safeParse(read.value);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new DeckError('io_error', `The run ${id} has an unexpected shape (${i?.path.join('.')}: ${i?.message}).`, 'It may come from another version of SLM Deck; run the benchmark again.');
    }
    return parsed.data;
  }

  async list(): Promise<BenchRun[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const runs: BenchRun[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const id = n.slice(0, -'.json'.length);
      if (!BenchRunIdSchema.safeParse(id).success) continue;
      try {
        runs.push(await this.get(id));
      } catch (e) {
        // One unreadable file must not hide the others.
        this.log.warn('benchmark run skipped', { id, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return runs.sort((a, b) => b.createdAt - a.createdAt);
  }

  async delete(id: string): Promise<boolean> {
    try {
      await fs.unlink(this.file(id));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}

const GB = 1e9;

export function summariseRun(run: BenchRun): BenchRunSummary {
  const h = run.hardware;
  const gpu = h ? (h.gpus.length ? h.gpus.map((g) => g.name).join(', ') : 'no GPU') : null;
  const machine = h ? [h.cpu.model, `${h.cpu.logicalCores} threads`, `${(h.memory.totalBytes / GB).toFixed(0)} GB RAM`, gpu].join(' · ') : 'machine unknown';
  return {
    id: run.id,
    name: run.config.name,
    status: run.status,
    createdAt: run.createdAt,
    durationMs: run.finishedAt - run.createdAt,
    backends: run.backends.map((b) => ({ backendId: b.backendId, label: b.label, family: b.family, status: b.status })),
    concurrency: run.config.concurrency,
    prompts: run.config.prompts.length,
    runs: run.config.runs,
    machine,
  };
}
