import type { TaskContext } from '../tasks/task-registry';
import type { OllamaClient } from './client';
import type { Progress } from './schemas';

/** Ollama's status lines as the steps a person reads. */
export function stepLabel(status: string): string {
  if (status === 'pulling manifest') return 'Pulling manifest';
  if (/^(pulling|downloading) [0-9a-f]{6,}/.test(status)) return 'Downloading';
  if (status === 'verifying sha256 digest') return 'Verifying SHA-256 digest';
  if (status === 'writing manifest') return 'Writing manifest';
  if (/^removing (any )?unused layers$/.test(status)) return 'Removing unused layers';
  if (status === 'success') return 'Done';
  if (/^using existing layer/.test(status)) return 'Using existing layers';
  if (/^creating new layer/.test(status)) return 'Writing new layers';
  if (/^quantizing/.test(status)) return status.charAt(0).toUpperCase() + status.slice(1);
  if (status === 'parsing GGUF') return 'Reading the GGUF file';
  return status ? status.charAt(0).toUpperCase() + status.slice(1) : 'Working';
}

/**
 * Sums per-digest progress into one bar. Ollama reports each layer (blob) separately, with
 * `completed` absent until bytes arrive; a resumed pull starts at the bytes already kept.
 */
export class LayerProgress {
  private layers = new Map<string, { total: number; completed: number }>();
  /** Bytes that were already on disk when each layer first appeared. */
  resumedFromBytes = 0;

  add(p: Progress): boolean {
    if (!p.digest || p.total === undefined || p.total <= 0) return false;
    const prev = this.layers.get(p.digest);
    const completed = Math.min(p.total, p.completed ?? prev?.completed ?? 0);
    if (!prev) this.resumedFromBytes += completed;
    this.layers.set(p.digest, { total: p.total, completed });
    return true;
  }

  get bytesDone(): number {
    let n = 0;
    for (const l of this.layers.values()) n += l.completed;
    return n;
  }

  get bytesTotal(): number {
    let n = 0;
    for (const l of this.layers.values()) n += l.total;
    return n;
  }

  get layersDone(): number {
    return [...this.layers.values()].filter((l) => l.completed >= l.total).length;
  }

  get layerCount(): number {
    return this.layers.size;
  }
}

export interface StreamOutcome {
  steps: string[];
  bytesTotal: number;
  resumedFromBytes: number;
}

/** Feeds an Ollama progress stream into a task: one bar for bytes, and the steps seen. */
export async function followProgress(stream: AsyncIterable<Progress>, ctx: Pick<TaskContext, 'update'>, stepPrefix = ''): Promise<StreamOutcome> {
  const bytes = new LayerProgress();
  const steps: string[] = [];
  for await (const p of stream) {
    const step = stepPrefix + stepLabel(p.status ?? '');
    if (!steps.includes(step)) steps.push(step);
    if (bytes.add(p)) {
      ctx.update({
        step,
        detail: bytes.layerCount > 1 ? `${bytes.layersDone} of ${bytes.layerCount} layers` : undefined,
        bytesDone: bytes.bytesDone,
        bytesTotal: bytes.bytesTotal,
      });
    } else {
      ctx.update({ step, detail: undefined });
    }
  }
  return { steps, bytesTotal: bytes.bytesTotal, resumedFromBytes: bytes.resumedFromBytes };
}

export async function runPull(client: OllamaClient, model: string, ctx: TaskContext) {
  const outcome = await followProgress(client.pull(model, ctx.signal), ctx);
  return { model, bytesTotal: outcome.bytesTotal, resumedFromBytes: outcome.resumedFromBytes, steps: outcome.steps };
}
