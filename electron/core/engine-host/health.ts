import { z } from 'zod';
import { DeckError } from '../../shared/errors';

const HealthSchema = z.object({ status: z.string(), model: z.string() }).loose();
export type EngineHealth = z.infer<typeof HealthSchema>;

/** Polls `GET /health` until the engine answers healthy, the time is up, or the signal aborts. */
export async function waitForHealth(url: string, o: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number }): Promise<EngineHealth> {
  const end = Date.now() + o.timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (o.signal?.aborted) throw new DeckError('cancelled', 'Stopped while waiting for the engine.');
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(Math.min(5000, Math.max(500, end - Date.now()))) });
      const body: unknown = await res.json().catch(() => null);
      const parsed = HealthSchema.safeParse(body);
      if (res.ok && parsed.success && parsed.data.status === 'healthy') return parsed.data;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= end) {
      throw new DeckError('timeout', `The embedded engine did not answer /health within ${Math.round(o.timeoutMs / 1000)} s (${last}).`, 'Check the engine lines in the log file; a large model may need more memory.');
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}
