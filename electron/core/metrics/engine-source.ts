import type { EngineTarget, SourceStatus } from '../../shared/contract/metrics';
import { counterRate, engineCounters, ollamaTotals, OllamaPsSchema } from './engine-parse';
import { parsePrometheus } from './prometheus';
import { def, errorText, type CollectContext, type MetricSource, type Reading } from './source';

/** Where engine targets come from besides watches: deployments, the embedded engine, the Ollama URL setting. */
export type EngineTargetProvider = () => EngineTarget[] | Promise<EngineTarget[]>;

const KIND_LABEL = { vllm: 'vLLM', onnx: 'ONNX engine', 'llama-cpp': 'llama.cpp', ollama: 'Ollama' } as const;
/** Providers are asked again on announced changes (deployments, chat backends) and at least this often. */
const PROVIDER_REFRESH_MS = 30_000;
/** A server that never answered (no Ollama installed, an OpenAI server without /metrics) is asked less often. */
const ABSENT_RETRY_MS = 10_000;

/** host:port of a base URL: the key of an engine's series, stable across label changes. */
export function engineKey(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname}:${port}`;
}

interface EngineState {
  target: EngineTarget;
  answered: boolean;
  retryAt: number;
  prevTokens: { value: number; at: number } | null;
  status: SourceStatus;
}

/**
 * tokens/s, requests running/waiting and KV-cache use from vLLM's and our engine's
 * /metrics; loaded models and their VRAM from Ollama's /api/ps. An engine that never
 * answered has no series (no Ollama installed is not an error); one that stops answering
 * leaves gaps until it is back.
 */
export class EngineSource implements MetricSource {
  readonly scope = 'engines' as const;
  private engines = new Map<string, EngineState>();
  private providers: EngineTargetProvider[] = [];
  private provided: EngineTarget[] = [];
  private providedAt = -Infinity;
  private watchTargets = new Map<string, EngineTarget[]>();

  private offChanges: (() => void) | null = null;

  constructor(
    private fetchFn: typeof fetch = fetch,
    /** Announcements that the set of engines may have changed; subscribed only while sampling. */
    private changes?: (onChange: () => void) => () => void,
  ) {}

  start(): void {
    this.providedAt = -Infinity;
    this.offChanges ??= this.changes?.(() => this.invalidate()) ?? null;
  }

  /** Ask the providers again at the next tick. */
  invalidate(): void {
    this.providedAt = -Infinity;
  }

  addProvider(p: EngineTargetProvider): void {
    this.providers.push(p);
    this.providedAt = -Infinity;
  }

  setWatchTargets(watchId: string, targets: EngineTarget[]): void {
    if (targets.length) this.watchTargets.set(watchId, targets);
    else this.watchTargets.delete(watchId);
  }

  stop(): void {
    this.offChanges?.();
    this.offChanges = null;
    for (const e of this.engines.values()) {
      e.prevTokens = null;
      e.status = { ...e.status, state: 'idle', message: 'Not sampled right now.' };
    }
  }

  status(): SourceStatus[] {
    return [...this.engines.values()].map((e) => e.status);
  }

  private async targets(now: number): Promise<EngineTarget[]> {
    if (this.providers.length && now - this.providedAt >= PROVIDER_REFRESH_MS) {
      this.providedAt = now;
      const lists = await Promise.all(this.providers.map((p) => Promise.resolve().then(p).catch((): EngineTarget[] => [])));
      this.provided = lists.flat();
    }
    const all = new Map<string, EngineTarget>();
    // Explicit watch targets win over discovered ones for the same server (their label and kind are deliberate).
    for (const t of [...this.provided, ...[...this.watchTargets.values()].flat()]) all.set(engineKey(t.url), t);
    return [...all.values()];
  }

  async collect(ctx: CollectContext): Promise<Reading[]> {
    const targets = await this.targets(ctx.now);
    const keys = new Set<string>();
    const results = await Promise.all(
      targets.map((t) => {
        const key = engineKey(t.url);
        keys.add(key);
        let e = this.engines.get(key);
        if (!e) {
          e = { target: t, answered: false, retryAt: 0, prevTokens: null, status: { name: `engine ${key}`, scope: 'engines', state: 'idle', message: '' } };
          this.engines.set(key, e);
        }
        e.target = t;
        if (!e.answered && ctx.now < e.retryAt) return [];
        return this.collectOne(key, e, ctx);
      }),
    );
    for (const key of [...this.engines.keys()]) if (!keys.has(key)) this.engines.delete(key);
    return results.flat();
  }

  private async collectOne(key: string, e: EngineState, ctx: CollectContext): Promise<Reading[]> {
    const t = e.target;
    const name = t.label ?? `${KIND_LABEL[t.kind]} ${key}`;
    const base = t.url.replace(/\/+$/, '');
    try {
      const out: Reading[] = [];
      if (t.kind === 'ollama') {
        const res = await this.fetchFn(`${base}/api/ps`, { signal: ctx.signal, headers: { Accept: 'application/json' } });
        if (!res.ok) throw new Error(`HTTP ${res.status} from /api/ps`);
        const totals = ollamaTotals(OllamaPsSchema.parse(await res.json()));
        out.push({ def: def(`engine.${key}.vram`, `${name} VRAM`, 'bytes', 'engine-memory', 'engines', name), value: totals.vramBytes });
        out.push({ def: def(`engine.${key}.memory`, `${name} model memory`, 'bytes', 'engine-memory', 'engines', name), value: totals.sizeBytes });
        out.push({ def: def(`engine.${key}.models`, `${name} models loaded`, 'count', 'requests', 'engines', name), value: totals.models });
        e.status = {
          name: `engine ${key}`,
          scope: 'engines',
          state: 'ok',
          message: totals.models ? `Ollama: ${totals.names.join(', ')} loaded` : 'Ollama: no model loaded',
        };
      } else {
        const res = await this.fetchFn(`${base}/metrics`, { signal: ctx.signal, headers: { Accept: 'text/plain' } });
        if (!res.ok) throw new Error(`HTTP ${res.status} from /metrics`);
        const c = engineCounters(parsePrometheus(await res.text()));
        if (c.generationTokens !== null) out.push(this.tokensReading(key, name, e, c.generationTokens, ctx.now));
        if (c.running !== null) out.push({ def: def(`engine.${key}.running`, `${name} requests running`, 'count', 'requests', 'engines', name), value: c.running });
        if (c.waiting !== null) out.push({ def: def(`engine.${key}.waiting`, `${name} requests waiting`, 'count', 'requests', 'engines', name), value: c.waiting });
        if (c.kvCachePercent !== null) {
          out.push({ def: def(`engine.${key}.kv`, `${name} KV cache`, 'percent', 'kv-cache', 'engines', name, 100), value: c.kvCachePercent });
        }
        if (c.kvCacheBytes !== null) {
          out.push({ def: def(`engine.${key}.kvBytes`, `${name} KV cache memory`, 'bytes', 'engine-memory', 'engines', name), value: c.kvCacheBytes });
        }
        e.status = { name: `engine ${key}`, scope: 'engines', state: 'ok', message: `${name}: /metrics answering` };
      }
      e.answered = true;
      return out;
    } catch (err) {
      e.prevTokens = null;
      if (!e.answered) e.retryAt = ctx.now + ABSENT_RETRY_MS;
      const what = ctx.signal.aborted ? `no answer within ${ctx.intervalMs} ms` : errorText(err);
      e.status = e.answered
        ? {
            name: `engine ${key}`,
            scope: 'engines',
            state: 'failing',
            message: `${name} stopped answering (${what}).`,
            hint: 'Its charts show a gap until it is back; check the deployment on the Deploy page.',
          }
        : { name: `engine ${key}`, scope: 'engines', state: 'absent', message: `No ${KIND_LABEL[t.kind]} answering at ${t.url} (${what}).` };
      return [];
    }
  }

  private tokensReading(key: string, name: string, e: EngineState, tokens: number, now: number): Reading {
    const rate = counterRate(e.prevTokens, tokens, now);
    e.prevTokens = { value: tokens, at: now };
    return { def: def(`engine.${key}.tokens`, `${name} tokens/s`, 'tokensPerSecond', 'tokens', 'engines', name), value: rate };
  }
}
