/**
 * Reads an ONNX Runtime GenAI `genai_config.json`: every tensor name, the KV layout, head counts,
 * context length and EOS ids come from here, never from code.
 */
import { z } from 'zod';

const tokenIds = z.union([z.number().int(), z.array(z.number().int()).min(1)]);

const decoderSchema = z.object({
  filename: z.string().min(1).default('model.onnx'),
  head_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_attention_heads: z.number().int().positive().optional(),
  num_hidden_layers: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive(),
  inputs: z.object({
    input_ids: z.string().min(1),
    attention_mask: z.string().min(1).optional(),
    position_ids: z.string().min(1).optional(),
    past_key_names: z.string().includes('%d'),
    past_value_names: z.string().includes('%d'),
  }),
  outputs: z.object({
    logits: z.string().min(1),
    present_key_names: z.string().includes('%d'),
    present_value_names: z.string().includes('%d'),
  }),
  session_options: z
    .object({
      intra_op_num_threads: z.number().int().nonnegative().optional(),
      inter_op_num_threads: z.number().int().nonnegative().optional(),
    })
    .passthrough()
    .optional(),
});

const searchSchema = z
  .object({
    do_sample: z.boolean().default(false),
    max_length: z.number().int().positive().optional(),
    temperature: z.number().nonnegative().default(1),
    top_k: z.number().int().nonnegative().default(0),
    top_p: z.number().min(0).max(1).default(1),
    repetition_penalty: z.number().positive().default(1),
  })
  .passthrough();

export const genaiConfigSchema = z.object({
  model: z.object({
    type: z.string().default('decoder'),
    bos_token_id: z.number().int().optional(),
    pad_token_id: z.number().int().optional(),
    eos_token_id: tokenIds,
    vocab_size: z.number().int().positive(),
    context_length: z.number().int().positive(),
    decoder: decoderSchema,
  }),
  search: searchSchema.default({
    do_sample: false,
    temperature: 1,
    top_k: 0,
    top_p: 1,
    repetition_penalty: 1,
  }),
});
export type GenaiConfig = z.infer<typeof genaiConfigSchema>;

/** What the engine needs to know about a decoder-only model, resolved per layer. */
export interface ModelSpec {
  type: string;
  vocabSize: number;
  contextLength: number;
  bosTokenId?: number;
  padTokenId?: number;
  eosTokenIds: number[];
  modelFile: string;
  numLayers: number;
  numKvHeads: number;
  headSize: number;
  hiddenSize: number;
  inputIds: string;
  attentionMask?: string;
  positionIds?: string;
  logits: string;
  pastKeys: string[];
  pastValues: string[];
  presentKeys: string[];
  presentValues: string[];
  /** The model's own generation defaults (greedy for Phi-4-mini). */
  defaults: { doSample: boolean; temperature: number; topK: number; topP: number; repetitionPenalty: number; maxLength: number };
  intraOpThreads?: number;
}

const perLayer = (pattern: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => pattern.replace('%d', String(i)));

export function specFromConfig(cfg: GenaiConfig): ModelSpec {
  const m = cfg.model;
  const d = m.decoder;
  const n = d.num_hidden_layers;
  return {
    type: m.type,
    vocabSize: m.vocab_size,
    contextLength: m.context_length,
    bosTokenId: m.bos_token_id,
    padTokenId: m.pad_token_id,
    eosTokenIds: Array.isArray(m.eos_token_id) ? m.eos_token_id : [m.eos_token_id],
    modelFile: d.filename,
    numLayers: n,
    numKvHeads: d.num_key_value_heads,
    headSize: d.head_size,
    hiddenSize: d.hidden_size,
    inputIds: d.inputs.input_ids,
    attentionMask: d.inputs.attention_mask,
    positionIds: d.inputs.position_ids,
    logits: d.outputs.logits,
    pastKeys: perLayer(d.inputs.past_key_names, n),
    pastValues: perLayer(d.inputs.past_value_names, n),
    presentKeys: perLayer(d.outputs.present_key_names, n),
    presentValues: perLayer(d.outputs.present_value_names, n),
    defaults: {
      doSample: cfg.search.do_sample,
      temperature: cfg.search.temperature,
      topK: cfg.search.top_k,
      topP: cfg.search.top_p,
      repetitionPenalty: cfg.search.repetition_penalty,
      maxLength: Math.min(cfg.search.max_length ?? m.context_length, m.context_length),
    },
    intraOpThreads: d.session_options?.intra_op_num_threads || undefined,
  };
}

/** Parses the JSON text; throws a zod error or SyntaxError the loader turns into a DeckError. */
export function parseGenaiConfig(text: string): ModelSpec {
  return specFromConfig(genaiConfigSchema.parse(JSON.parse(text)));
}
