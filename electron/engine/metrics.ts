/** Engine counters and latency histograms, rendered in the Prometheus text format for /metrics. */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Histogram {
  readonly counts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  count = 0;
  sum = 0;
  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.counts[i]++;
    });
  }
  render(name: string, help: string): string[] {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    LATENCY_BUCKETS.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.count}`, `${name}_sum ${this.sum}`, `${name}_count ${this.count}`);
    return lines;
  }
}

export type RequestOutcome = 'ok' | 'cancelled' | 'rejected' | 'error';

export class EngineMetrics {
  readonly requests: Record<RequestOutcome, number> = { ok: 0, cancelled: 0, rejected: 0, error: 0 };
  promptTokens = 0;
  cachedPromptTokens = 0;
  generatedTokens = 0;
  /** Forward passes of the model, and the sequences they carried (rows / passes = mean batch). */
  forwardPasses = 0;
  forwardRows = 0;
  readonly timeToFirstToken = new Histogram();
  readonly timePerOutputToken = new Histogram();

  recordRequest(outcome: RequestOutcome): void {
    this.requests[outcome]++;
  }

  recordForwardPass(rows: number): void {
    this.forwardPasses++;
    this.forwardRows += rows;
  }

  recordGeneration(g: { promptTokens: number; cachedPromptTokens: number; completionTokens: number; ttftSeconds?: number; decodeSeconds: number }): void {
    this.promptTokens += g.promptTokens;
    this.cachedPromptTokens += g.cachedPromptTokens;
    // generatedTokens is counted per token as it is generated (see generation.ts onToken).
    if (g.ttftSeconds !== undefined) this.timeToFirstToken.observe(g.ttftSeconds);
    if (g.completionTokens > 1) this.timePerOutputToken.observe(g.decodeSeconds / (g.completionTokens - 1));
  }

  render(live: { running: number; waiting: number; model: string; kvCacheBytes?: number }): string {
    const model = live.model.replace(/["\\\n]/g, '_');
    const lines = [
      '# HELP slm_engine_info Loaded model.',
      '# TYPE slm_engine_info gauge',
      `slm_engine_info{model="${model}"} 1`,
      '# HELP slm_engine_requests_running Generations running now.',
      '# TYPE slm_engine_requests_running gauge',
      `slm_engine_requests_running ${live.running}`,
      '# HELP slm_engine_requests_waiting Requests waiting in the queue.',
      '# TYPE slm_engine_requests_waiting gauge',
      `slm_engine_requests_waiting ${live.waiting}`,
      '# HELP slm_engine_kv_cache_bytes Memory held by the KV-cache buffers of all slots.',
      '# TYPE slm_engine_kv_cache_bytes gauge',
      `slm_engine_kv_cache_bytes ${live.kvCacheBytes ?? 0}`,
      '# HELP slm_engine_requests_total Finished generation requests by outcome.',
      '# TYPE slm_engine_requests_total counter',
      ...Object.entries(this.requests).map(([k, v]) => `slm_engine_requests_total{outcome="${k}"} ${v}`),
      '# HELP slm_engine_prompt_tokens_total Prompt tokens processed (cached ones included).',
      '# TYPE slm_engine_prompt_tokens_total counter',
      `slm_engine_prompt_tokens_total ${this.promptTokens}`,
      '# HELP slm_engine_prompt_tokens_cached_total Prompt tokens served from the KV cache of a previous turn.',
      '# TYPE slm_engine_prompt_tokens_cached_total counter',
      `slm_engine_prompt_tokens_cached_total ${this.cachedPromptTokens}`,
      '# HELP slm_engine_tokens_generated_total Tokens generated.',
      '# TYPE slm_engine_tokens_generated_total counter',
      `slm_engine_tokens_generated_total ${this.generatedTokens}`,
      '# HELP slm_engine_forward_passes_total Forward passes of the model (concurrent sequences share one per step).',
      '# TYPE slm_engine_forward_passes_total counter',
      `slm_engine_forward_passes_total ${this.forwardPasses}`,
      '# HELP slm_engine_forward_rows_total Sequences carried by those passes.',
      '# TYPE slm_engine_forward_rows_total counter',
      `slm_engine_forward_rows_total ${this.forwardRows}`,
      ...this.timeToFirstToken.render('slm_engine_time_to_first_token_seconds', 'Time from request to first token, queue wait included.'),
      ...this.timePerOutputToken.render('slm_engine_time_per_output_token_seconds', 'Mean time per generated token after the first, per request.'),
    ];
    return lines.join('\n') + '\n';
  }
}
