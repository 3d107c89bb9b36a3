import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGenaiConfig } from '../../electron/engine/genai-config';
import { loadModel } from '../../electron/engine/model-loader';
import { generateTinyModel, TINY_MODEL_FILES } from '../../electron/engine/tiny-model/generate';
import { DeckError } from '../../electron/shared/errors';

/** Shaped like microsoft/Phi-4-mini-instruct-onnx cpu-int4's genai_config.json. */
const PHI4_MINI_CONFIG = {
  model: {
    bos_token_id: 199999,
    context_length: 131072,
    decoder: {
      session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
      filename: 'model.onnx',
      head_size: 128,
      hidden_size: 3072,
      inputs: {
        input_ids: 'input_ids',
        attention_mask: 'attention_mask',
        past_key_names: 'past_key_values.%d.key',
        past_value_names: 'past_key_values.%d.value',
      },
      outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
      num_attention_heads: 24,
      num_hidden_layers: 32,
      num_key_value_heads: 8,
    },
    eos_token_id: [200020, 199999],
    pad_token_id: 199999,
    type: 'phi3',
    vocab_size: 200064,
  },
  search: { do_sample: false, max_length: 131072, num_beams: 1, past_present_share_buffer: false, repetition_penalty: 1.0, temperature: 1.0, top_k: 1, top_p: 1.0 },
};

describe('genai_config.json', () => {
  it('reads names, KV layout, heads, context and EOS ids from the config', () => {
    const spec = parseGenaiConfig(JSON.stringify(PHI4_MINI_CONFIG));
    expect(spec).toMatchObject({
      type: 'phi3',
      numLayers: 32,
      numKvHeads: 8,
      headSize: 128,
      hiddenSize: 3072,
      contextLength: 131072,
      vocabSize: 200064,
      eosTokenIds: [200020, 199999],
      bosTokenId: 199999,
      modelFile: 'model.onnx',
      inputIds: 'input_ids',
      attentionMask: 'attention_mask',
      logits: 'logits',
      defaults: { doSample: false, maxLength: 131072, topK: 1 },
    });
    expect(spec.pastKeys).toHaveLength(32);
    expect(spec.pastKeys[31]).toBe('past_key_values.31.key');
    expect(spec.presentValues[0]).toBe('present.0.value');
  });

  it('follows other names and a single EOS id', () => {
    const cfg = structuredClone(PHI4_MINI_CONFIG) as Omit<typeof PHI4_MINI_CONFIG, 'model'> & { model: Omit<typeof PHI4_MINI_CONFIG.model, 'eos_token_id'> & { eos_token_id: number | number[] } };
    cfg.model.decoder.inputs.past_key_names = 'cache.%d.k';
    cfg.model.decoder.outputs.present_key_names = 'cache_out.%d.k';
    cfg.model.decoder.num_hidden_layers = 2;
    cfg.model.eos_token_id = 7;
    const spec = parseGenaiConfig(JSON.stringify(cfg));
    expect(spec.pastKeys).toEqual(['cache.0.k', 'cache.1.k']);
    expect(spec.presentKeys).toEqual(['cache_out.0.k', 'cache_out.1.k']);
    expect(spec.eosTokenIds).toEqual([7]);
  });

  it('rejects configs that lack what the decode loop needs', () => {
    const noHeads = structuredClone(PHI4_MINI_CONFIG) as { model: { decoder: Record<string, unknown> } };
    delete noHeads.model.decoder.num_key_value_heads;
    expect(() => parseGenaiConfig(JSON.stringify(noHeads))).toThrow(/num_key_value_heads/);
    const badPattern = structuredClone(PHI4_MINI_CONFIG);
    badPattern.model.decoder.inputs.past_key_names = 'past_key_values.key';
    expect(() => parseGenaiConfig(JSON.stringify(badPattern))).toThrow(/past_key_names/);
    expect(() => parseGenaiConfig('{"model": ')).toThrow(SyntaxError);
  });
});

describe('loadModel errors', () => {
  let root: string;
  let good: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'slm-load-'));
    good = generateTinyModel(path.join(root, 'good'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of the tiny model with one change. */
  function variant(name: string, change: (dir: string) => void): string {
    const dir = path.join(root, name);
    mkdirSync(dir);
    for (const f of TINY_MODEL_FILES) copyFileSync(path.join(good, f), path.join(dir, f));
    change(dir);
    return dir;
  }

  async function loadError(dir: string): Promise<DeckError> {
    try {
      await loadModel(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(DeckError);
      return e as DeckError;
    }
    throw new Error(`loading ${dir} should have failed`);
  }

  it('loads the good folder', async () => {
    const m = await loadModel(good);
    expect(m.plan.mode).toBe('gqa-buffer');
    await m.session.release();
  });

  it.each([
    ['a missing folder', (d: string) => rmSync(d, { recursive: true }), /does not exist/],
    ['a missing genai_config.json', (d: string) => rmSync(path.join(d, 'genai_config.json')), /genai_config\.json is missing/],
    ['a corrupt genai_config.json', (d: string) => writeFileSync(path.join(d, 'genai_config.json'), '{"model": {'), /genai_config\.json .*not a usable/],
    ['a missing model.onnx', (d: string) => rmSync(path.join(d, 'model.onnx')), /model\.onnx is missing/],
    ['a corrupt model.onnx', (d: string) => writeFileSync(path.join(d, 'model.onnx'), Buffer.from('this is not a protobuf at all')), /model\.onnx .*corrupt/],
    ['a missing weights file', (d: string) => rmSync(path.join(d, 'model.onnx.data')), /model\.onnx\.data .*missing/],
    ['a truncated weights file', (d: string) => truncateSync(path.join(d, 'model.onnx.data'), 1000), /model\.onnx\.data .*truncated/],
    ['a missing tokenizer.json', (d: string) => rmSync(path.join(d, 'tokenizer.json')), /tokenizer\.json is missing/],
    ['a corrupt tokenizer_config.json', (d: string) => writeFileSync(path.join(d, 'tokenizer_config.json'), 'nope'), /tokenizer_config\.json .*not valid JSON/],
  ])('reports %s as model_load_failed with a hint', async (name, change, message) => {
    const e = await loadError(variant(name.replace(/\W+/g, '-'), change));
    expect(e.code).toBe('model_load_failed');
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(/Download the model again|Pick a folder/);
  });

  it('reports a graph whose names do not match the config', async () => {
    const dir = variant('renamed', (d) => {
      const cfg = JSON.parse(readFileSync(path.join(d, 'genai_config.json'), 'utf8')) as typeof PHI4_MINI_CONFIG;
      cfg.model.decoder.inputs.past_key_names = 'past.%d.key';
      writeFileSync(path.join(d, 'genai_config.json'), JSON.stringify(cfg));
    });
    const e = await loadError(dir);
    expect(e.code).toBe('model_load_failed');
    expect(e.message).toMatch(/no past KV input named "past\.0\.key"/);
  });
});
