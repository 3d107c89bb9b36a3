import type { MetricScope, SeriesDef, SourceStatus } from '../../shared/contract/metrics';

/** One value for one series at one tick; null marks a gap. */
export interface Reading {
  def: SeriesDef;
  value: number | null;
}

export interface CollectContext {
  /** Aborted when the tick's deadline passes: late readings become gaps. */
  signal: AbortSignal;
  /** Epoch ms of the tick. */
  now: number;
  intervalMs: number;
}

/**
 * Something the sampler reads once per tick. A source that throws or returns nothing for a
 * series leaves a gap there, and is simply asked again next tick (that is how it recovers).
 */
export interface MetricSource {
  readonly scope: MetricScope;
  /** Called when a watcher first needs this scope (open streams, spawn loops). */
  start?(intervalMs: number): void;
  /** Called after the last watcher of this scope left. */
  stop?(): void;
  collect(ctx: CollectContext): Promise<Reading[]> | Reading[];
  status(): SourceStatus[];
}

export function def(
  id: string,
  label: string,
  unit: SeriesDef['unit'],
  group: SeriesDef['group'],
  scope: MetricScope,
  subject: string,
  max: number | null = null,
): SeriesDef {
  return { id, label, unit, group, scope, subject, max };
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return [e.message, code ?? cause].filter(Boolean).join(' ');
  }
  return String(e);
}
