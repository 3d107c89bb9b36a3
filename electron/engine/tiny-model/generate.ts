/**
 * Writes the tiny demo model folder (ONNX Runtime GenAI layout, Phi-4-mini's names and chat
 * template). Deterministic: same bytes on every run and machine, no network.
 *
 *   npx tsx electron/engine/tiny-model/generate.ts [DIR]   (default resources/models/slm-deck-tiny-demo)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTinyGraph } from './graph';
import { TINY_MODEL_ID, TINY_SHAPES } from './spec';
import { buildTinyVocab } from './vocab';

export const TINY_MODEL_FILES = [
  'genai_config.json',
  'model.onnx',
  'model.onnx.data',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

function genaiConfig(vocabSize: number, idOf: (t: string) => number): Record<string, unknown> {
  const s = TINY_SHAPES;
  return {
    model: {
      bos_token_id: idOf('<|endoftext|>'),
      context_length: s.contextLength,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: 'model.onnx',
        head_size: s.headSize,
        hidden_size: s.hiddenSize,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: {
          logits: 'logits',
          present_key_names: 'present.%d.key',
          present_value_names: 'present.%d.value',
        },
        num_attention_heads: s.numAttentionHeads,
        num_hidden_layers: s.numLayers,
        num_key_value_heads: s.numKvHeads,
      },
      eos_token_id: [idOf('<|end|>'), idOf('<|endoftext|>')],
      pad_token_id: idOf('<|endoftext|>'),
      type: 'phi3',
      vocab_size: vocabSize,
    },
    search: {
      diversity_penalty: 0.0,
      do_sample: false,
      early_stopping: true,
      length_penalty: 1.0,
      max_length: s.contextLength,
      min_length: 0,
      no_repeat_ngram_size: 0,
      num_beams: 1,
      num_return_sequences: 1,
      past_present_share_buffer: false,
      repetition_penalty: 1.0,
      temperature: 1.0,
      top_k: 1,
      top_p: 1.0,
    },
  };
}

/** The folder's files as bytes, keyed by file name. */
export function buildTinyModelFiles(): Record<(typeof TINY_MODEL_FILES)[number], Uint8Array> {
  const vocab = buildTinyVocab();
  const graph = buildTinyGraph(vocab, 'model.onnx.data');
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');
  return {
    'genai_config.json': json(genaiConfig(vocab.vocabSize, vocab.idOf)),
    'model.onnx': graph.model,
    'model.onnx.data': graph.data,
    'tokenizer.json': json(vocab.tokenizerJson),
    'tokenizer_config.json': json(vocab.tokenizerConfig),
  };
}

/** Writes the tiny model into `dir` (created if needed) and returns the folder path. */
export function generateTinyModel(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(buildTinyModelFiles())) writeFileSync(path.join(dir, name), bytes);
  return dir;
}

// CLI only when this source file itself is the script (never from a bundle that includes it).
const self = typeof import.meta.url === 'string' && import.meta.url.endsWith('/generate.ts') ? fileURLToPath(import.meta.url) : null;
if (self && process.argv[1] && path.resolve(process.argv[1]) === self) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'resources', 'models', TINY_MODEL_ID));
  generateTinyModel(dir);
  process.stdout.write(`tiny model written to ${dir}\n`);
}
