/**
 * Typed Modelfile parameters. Types follow Ollama's api.Options (what `ollama create`
 * converts each PARAMETER to); ranges are SLM Deck's own sanity checks, so a value Ollama
 * would accept but that cannot be meant (top_p 5) is still explained.
 */

export type ParamType = 'int' | 'float' | 'bool' | 'string';
export type ParamValue = number | boolean | string;

export interface ParamSpec {
  type: ParamType;
  /** Values below are errors. */
  min?: number;
  /** Values above are errors. */
  max?: number;
  /** Values above are allowed but unusual: a warning. */
  warnAbove?: number;
  /** May be given several times (stop). */
  repeatable?: boolean;
  summary: string;
  example: string;
  /** Ollama's default, for the diff against a base model that does not set it. */
  ollamaDefault?: string;
  /** Shown as a field of the variant form. */
  common?: boolean;
}

export const PARAMS: Record<string, ParamSpec> = {
  temperature: {
    type: 'float',
    min: 0,
    warnAbove: 2,
    summary: 'Randomness: lower is more focused and repeatable, higher is more varied.',
    example: '0.7',
    ollamaDefault: '0.8',
    common: true,
  },
  top_p: {
    type: 'float',
    min: 0,
    max: 1,
    summary: 'Nucleus sampling: only tokens within this cumulative probability are considered.',
    example: '0.9',
    ollamaDefault: '0.9',
    common: true,
  },
  top_k: {
    type: 'int',
    min: 0,
    summary: 'Only the K most likely tokens are considered (0 turns it off).',
    example: '40',
    ollamaDefault: '40',
    common: true,
  },
  min_p: {
    type: 'float',
    min: 0,
    max: 1,
    summary: 'Drops tokens less likely than this fraction of the most likely one.',
    example: '0.05',
    ollamaDefault: '0',
    common: true,
  },
  num_ctx: {
    type: 'int',
    min: 1,
    summary: 'Context window in tokens; more context needs more memory for the KV cache.',
    example: '4096',
    common: true,
  },
  num_predict: {
    type: 'int',
    min: -2,
    summary: 'Most tokens to generate (-1 no limit, -2 fill the context).',
    example: '1024',
    ollamaDefault: '-1',
    common: true,
  },
  repeat_penalty: {
    type: 'float',
    min: 0,
    warnAbove: 2,
    summary: 'How strongly repeated tokens are penalised (1 turns it off).',
    example: '1.1',
    common: true,
  },
  repeat_last_n: {
    type: 'int',
    min: -1,
    summary: 'How many recent tokens the repeat penalty looks at (0 off, -1 the whole context).',
    example: '64',
    ollamaDefault: '64',
    common: true,
  },
  seed: {
    type: 'int',
    summary: 'Random seed; a fixed seed makes answers repeatable.',
    example: '42',
    common: true,
  },
  stop: {
    type: 'string',
    repeatable: true,
    summary: 'Generation stops when the model writes this text; give one line per stop sequence.',
    example: '"<|end|>"',
  },
  presence_penalty: { type: 'float', summary: 'Penalises tokens that already appeared at all.', example: '0', ollamaDefault: '0' },
  frequency_penalty: { type: 'float', summary: 'Penalises tokens by how often they appeared.', example: '0', ollamaDefault: '0' },
  typical_p: { type: 'float', min: 0, max: 1, summary: 'Locally typical sampling (1 turns it off).', example: '1', ollamaDefault: '1' },
  num_keep: { type: 'int', min: -1, summary: 'Tokens of the prompt kept when the context is shifted.', example: '4' },
  num_batch: { type: 'int', min: 1, summary: 'Prompt tokens processed per batch.', example: '512', ollamaDefault: '512' },
  num_gpu: { type: 'int', min: -1, summary: 'Layers offloaded to the GPU (-1 automatic, 0 CPU only).', example: '-1' },
  main_gpu: { type: 'int', min: 0, summary: 'GPU used for small tensors when several are present.', example: '0' },
  num_thread: { type: 'int', min: 0, summary: 'CPU threads (0 lets Ollama decide).', example: '8' },
  use_mmap: { type: 'bool', summary: 'Memory-map the weights instead of reading them into RAM.', example: 'true' },
  draft_num_predict: { type: 'int', min: 0, summary: 'Speculative draft tokens per step (0 turns drafting off).', example: '4' },
};

/** Parameters Ollama still parses but ignores with a warning. */
export const DEPRECATED_PARAMS = [
  'penalize_newline',
  'low_vram',
  'f16_kv',
  'logits_all',
  'vocab_only',
  'use_mlock',
  'mirostat',
  'mirostat_tau',
  'mirostat_eta',
] as const;

/** The form's fields, in display order. */
export const COMMON_PARAMS = Object.entries(PARAMS)
  .filter(([, s]) => s.common)
  .map(([k]) => k);

export type ParamCheck =
  | { ok: true; value: ParamValue; warning?: string }
  | { ok: false; message: string; hint?: string };

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const FLOAT32_MAX = 3.4028234663852886e38;

function inlineCommentHint(raw: string): string | undefined {
  return /\s#/.test(raw) ? 'Comments must be on their own line, starting with #.' : undefined;
}

function range(spec: ParamSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` between ${spec.min} and ${spec.max}`;
  if (spec.min !== undefined) return ` of at least ${spec.min}`;
  return '';
}

/** Converts a PARAMETER value the way `ollama create` does, with a readable verdict. */
export function checkParam(name: string, raw: string): ParamCheck {
  const spec = PARAMS[name];
  if (!spec) return { ok: false, message: `Unknown parameter "${name}".` };
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  switch (spec.type) {
    case 'string':
      if (raw === '') return { ok: true, value: raw, warning: `An empty ${name} has no effect.` };
      return { ok: true, value: raw };
    case 'bool':
      if (TRUE.includes(raw)) return { ok: true, value: true };
      if (FALSE.includes(raw)) return { ok: true, value: false };
      return { ok: false, message: `${name} expects true or false, got "${shown}".`, hint: inlineCommentHint(raw) };
    case 'int': {
      if (!INT_RE.test(raw)) {
        return {
          ok: false,
          message: `${name} expects a whole number${range(spec)} (e.g. ${spec.example}), got "${shown}".`,
          hint: inlineCommentHint(raw) ?? (FLOAT_RE.test(raw) ? 'Leave out the decimal point.' : undefined),
        };
      }
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) return { ok: false, message: `${name} is too large: ${shown}.` };
      return bounds(name, spec, v, shown);
    }
    case 'float': {
      if (!FLOAT_RE.test(raw)) {
        return {
          ok: false,
          message: `${name} expects a number${range(spec)} (e.g. ${spec.example}), got "${shown}".`,
          hint: inlineCommentHint(raw) ?? (raw.includes(',') ? 'Use a decimal point, not a comma.' : undefined),
        };
      }
      const v = Number(raw);
      if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) return { ok: false, message: `${name} is out of range: ${shown}.` };
      return bounds(name, spec, v, shown);
    }
  }
}

function bounds(name: string, spec: ParamSpec, v: number, shown: string): ParamCheck {
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
    return { ok: false, message: `${name} must be${range(spec)}, got ${shown}.`, hint: spec.summary };
  }
  if (spec.warnAbove !== undefined && v > spec.warnAbove) {
    return { ok: true, value: v, warning: `${name} ${shown} is unusually high (most models work best at ${spec.warnAbove} or less).` };
  }
  return { ok: true, value: v };
}

/** Ollama's `parameters` map from a list of (name, raw value) pairs; assumes they were checked. */
export function typedParameters(pairs: ReadonlyArray<[string, string]>): Record<string, ParamValue | string[]> {
  const out: Record<string, ParamValue | string[]> = {};
  for (const [name, raw] of pairs) {
    if ((DEPRECATED_PARAMS as readonly string[]).includes(name)) continue;
    const checked = checkParam(name, raw);
    if (!checked.ok) continue;
    if (PARAMS[name]?.repeatable) {
      const prev = out[name];
      out[name] = [...(Array.isArray(prev) ? prev : []), String(checked.value)];
    } else out[name] = checked.value;
  }
  return out;
}
