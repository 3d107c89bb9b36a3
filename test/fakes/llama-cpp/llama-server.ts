/**
 * What the llama.cpp stand-in needs besides the engine: llama-server's command line (the
 * flags SLM Deck passes, plus common ones; anything else is refused as llama-server refuses
 * it) and its Prometheus names, from the server README ("GET /metrics").
 */

export interface LlamaServerArgs {
  /** -hf REPO[:QUANT] */
  hf: string | null;
  alias: string | null;
  host: string;
  port: number;
  /** -c: total context of all slots. */
  ctx: number;
  /** -np: parallel slots. */
  parallel: number;
  jinja: boolean;
  metrics: boolean;
  gpuLayers: number | null;
  cacheTypeK: string;
  cacheTypeV: string;
}

const VALUE: Record<string, keyof LlamaServerArgs | null> = {
  '-hf': 'hf', '--hf-repo': 'hf', '-hfr': 'hf',
  '-a': 'alias', '--alias': 'alias',
  '--host': 'host', '--port': 'port',
  '-c': 'ctx', '--ctx-size': 'ctx',
  '-np': 'parallel', '--parallel': 'parallel',
  '-ngl': 'gpuLayers', '--n-gpu-layers': 'gpuLayers', '--gpu-layers': 'gpuLayers',
  '-ctk': 'cacheTypeK', '--cache-type-k': 'cacheTypeK',
  '-ctv': 'cacheTypeV', '--cache-type-v': 'cacheTypeV',
  // Accepted and ignored: they change speed, not the API.
  '-t': null, '--threads': null, '-b': null, '--batch-size': null, '-ub': null, '--ubatch-size': null, '-fa': null, '--flash-attn': null,
};
const FLAG: Record<string, keyof LlamaServerArgs | null> = { '--jinja': 'jinja', '--metrics': 'metrics', '--cont-batching': null, '--no-webui': null };
const KV_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'];

export class LlamaServerArgError extends Error {}

function int(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new LlamaServerArgError(`error while handling argument "${flag}": invalid value "${v}"`);
  return n;
}

export function parseLlamaServerArgs(argv: string[]): LlamaServerArgs {
  const a: LlamaServerArgs = { hf: null, alias: null, host: '127.0.0.1', port: 8080, ctx: 4096, parallel: 1, jinja: false, metrics: false, gpuLayers: null, cacheTypeK: 'f16', cacheTypeV: 'f16' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag in FLAG) {
      const key = FLAG[flag];
      if (key === 'jinja' || key === 'metrics') a[key] = true;
      continue;
    }
    if (!(flag in VALUE)) throw new LlamaServerArgError(`error: invalid argument: ${flag}`);
    const v = argv[++i];
    if (v === undefined) throw new LlamaServerArgError(`error while handling argument "${flag}": expected value for argument`);
    const key = VALUE[flag];
    if (key === 'hf' || key === 'alias' || key === 'host') a[key] = v;
    else if (key === 'port' || key === 'ctx' || key === 'parallel') a[key] = int(flag, v);
    else if (key === 'gpuLayers') a.gpuLayers = int(flag, v);
    else if (key === 'cacheTypeK' || key === 'cacheTypeV') {
      if (!KV_TYPES.includes(v)) throw new LlamaServerArgError(`error while handling argument "${flag}": Unsupported cache type: ${v}`);
      a[key] = v;
    }
  }
  if (a.parallel < 1) throw new LlamaServerArgError('error: -np must be at least 1');
  return a;
}

/** Our engine's counters under llama.cpp's names (llama-server --metrics). */
const RENAME: Record<string, { name: string; type: 'counter' | 'gauge'; help: string }> = {
  slm_engine_prompt_tokens_total: { name: 'llamacpp:prompt_tokens_total', type: 'counter', help: 'Number of prompt tokens processed.' },
  slm_engine_tokens_generated_total: { name: 'llamacpp:tokens_predicted_total', type: 'counter', help: 'Number of generation tokens processed.' },
  slm_engine_requests_running: { name: 'llamacpp:requests_processing', type: 'gauge', help: 'Number of requests processing.' },
  slm_engine_requests_waiting: { name: 'llamacpp:requests_deferred', type: 'gauge', help: 'Number of requests deferred.' },
};

export function toLlamaCppMetrics(engineText: string): string {
  const out: string[] = [];
  for (const line of engineText.split('\n')) {
    const m = /^([a-z_]+)\s+(\S+)$/.exec(line.trim());
    const r = m && RENAME[m[1]];
    if (!m || !r) continue;
    out.push(`# HELP ${r.name} ${r.help}`, `# TYPE ${r.name} ${r.type}`, `${r.name} ${m[2]}`);
  }
  return out.join('\n') + '\n';
}
