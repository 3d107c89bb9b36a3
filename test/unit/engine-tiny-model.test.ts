import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledCatalog, findModel } from '../../electron/core/hardware/catalog';
import { estimateTerms } from '../../electron/core/hardware/estimate';
import { Decoder } from '../../electron/engine/decoder';
import { Engine } from '../../electron/engine/engine';
import { KvCache, kvSizeShape } from '../../electron/engine/kv-cache';
import { kvCacheBytes } from '../../electron/engine/kv-size';
import { loadModel, type LoadedModel } from '../../electron/engine/model-loader';
import { DT } from '../../electron/engine/onnx-proto';
import { buildTinyModelFiles, generateTinyModel, TINY_MODEL_FILES } from '../../electron/engine/tiny-model/generate';
import { writeKvModel } from '../../electron/engine/tiny-model/kv-graph';
import { TINY_ANSWER, TINY_DEMO_MESSAGES, TINY_MODEL_ID, TINY_TOOL_CALL } from '../../electron/engine/tiny-model/spec';

const repoRoot = path.resolve(__dirname, '..', '..');
let root: string;
let tinyDir: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-tiny-'));
  tinyDir = generateTinyModel(path.join(root, 'tiny'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const argmax = (l: Float32Array) => l.reduce((best, v, i) => (v > l[best] ? i : best), 0);

/** Logits of the last position from one plain run of the original graph (no engine code). */
async function referenceLogits(dir: string, ids: number[], layers: number, kvHeads: number, head: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
  };
  for (let l = 0; l < layers; l++) {
    for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, head]);
  }
  const r = await s.run(feeds);
  const V = r.logits.dims[2];
  const out = (r.logits.data as Float32Array).slice((ids.length - 1) * V);
  await s.release();
  return out;
}

describe('tiny model generator', () => {
  it('is deterministic: same bytes on every run', () => {
    const a = buildTinyModelFiles();
    const b = buildTinyModelFiles();
    for (const f of TINY_MODEL_FILES) expect(Buffer.from(a[f]).equals(Buffer.from(b[f]))).toBe(true);
    for (const f of TINY_MODEL_FILES) expect(readFileSync(path.join(tinyDir, f)).equals(Buffer.from(a[f]))).toBe(true);
  });

  it('matches the copy committed under resources/models (regenerate it when the generator changes)', () => {
    const fresh = buildTinyModelFiles();
    for (const f of TINY_MODEL_FILES) {
      const committed = readFileSync(path.join(repoRoot, 'resources', 'models', TINY_MODEL_ID, f));
      expect(committed.equals(Buffer.from(fresh[f])), `${f} differs: run npx tsx electron/engine/tiny-model/generate.ts`).toBe(true);
    }
  });

  it('is a few hundred KB with Phi-4-mini names and KV layout', async () => {
    const total = TINY_MODEL_FILES.reduce((n, f) => n + readFileSync(path.join(tinyDir, f)).byteLength, 0);
    expect(total).toBeGreaterThan(100_000);
    expect(total).toBeLessThan(600_000);
    const m = await loadModel(tinyDir);
    const names = m.session.inputNames;
    expect(names).toContain('input_ids');
    expect(names).toContain('attention_mask');
    expect(names).toContain('past_key_values.1.value');
    const raw = await ort.InferenceSession.create(path.join(tinyDir, 'model.onnx'));
    expect(raw.outputNames).toContain('present.0.key');
    await raw.release();
    const meta = m.session.inputMetadata.find((x) => x.name === 'past_key_values.0.key');
    expect(meta && 'shape' in meta ? meta.shape : []).toEqual(['batch_size', 2, 'past_sequence_length', 8]);
    await m.session.release();
  });
});

describe('tiny model answers (real inference)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load({ modelDir: tinyDir });
  });
  afterAll(() => engine.dispose());

  it('answers the demo chat greedily with the known sentence', async () => {
    const r = await engine.chat({ messages: TINY_DEMO_MESSAGES.map((m) => ({ ...m })) });
    expect(r.content).toBe(TINY_ANSWER);
    expect(r.finishReason).toBe('stop');
    expect(r.usage.completionTokens).toBe(13);
  });

  it('calls the tool when the system turn carries tools, then answers after the result', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'calculate_circle_area', parameters: { type: 'object' } } }];
    const messages = [{ role: 'user' as const, content: 'What is the area of a circle of radius 5?' }];
    const call = await engine.chat({ messages, tools });
    expect(call.finishReason).toBe('tool_calls');
    expect(call.content).toBeNull();
    expect(call.toolCalls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([[TINY_TOOL_CALL.name, TINY_TOOL_CALL.arguments]]);
    const after = await engine.chat({
      messages: [...messages, { role: 'assistant', content: null, toolCalls: call.toolCalls }, { role: 'tool', content: '78.54' }],
      tools,
    });
    expect(after.content).toBe(TINY_ANSWER);
    expect(after.finishReason).toBe('stop');
  });
});

/** One sequence on slot `slot` of a decoder: forward() appends tokens to it. */
function sequenceOn(d: Decoder, slot = 0) {
  let past = 0;
  return async (ids: number[]): Promise<Float32Array> => {
    const [logits] = await d.forward([{ slot, past, ids }]);
    past += ids.length;
    return logits;
  };
}

describe('KV cache reuse is exact', () => {
  async function checkDecoder(m: LoadedModel, ids: number[]) {
    const fresh = () => sequenceOn(new Decoder(m, 1, m.spec.contextLength));
    const step = fresh();
    await step(ids.slice(0, 40));
    let logits: Float32Array = new Float32Array(0);
    for (let i = 40; i < ids.length; i++) logits = await step([ids[i]]);
    const chunked = fresh();
    await chunked(ids.slice(0, 17));
    const chunkedLogits = await chunked(ids.slice(17));
    const full = await fresh()(ids);
    const ref = await referenceLogits(m.dir, ids, m.spec.numLayers, m.spec.numKvHeads, m.spec.headSize);
    expect(maxDiff(full, ref)).toBeLessThan(1e-5);
    expect(maxDiff(logits, ref)).toBeLessThan(1e-5);
    expect(maxDiff(chunkedLogits, ref)).toBeLessThan(1e-5);
    // The cache matters: another first token changes the last logits.
    const other = await fresh()([ids[0] === 5 ? 6 : 5, ...ids.slice(1)]);
    expect(maxDiff(other, ref)).toBeGreaterThan(1e-4);
  }

  it('GroupQueryAttention graph (capacity buffers): token-by-token and chunked match a full run', async () => {
    const m = await loadModel(tinyDir);
    expect(m.plan.mode).toBe('gqa-buffer');
    const ids = m.tokenizer.encode(m.tokenizer.renderChat([{ role: 'user', content: 'A longer prompt so that the cache grows past one capacity step of sixty-four positions. '.repeat(2) }]));
    expect(ids.length).toBeGreaterThan(130);
    await checkDecoder(m, ids);
    await m.session.release();
  });

  it('Concat-attention graph (slice-past rewrite) matches a full run', async () => {
    const dir = writeKvModel(path.join(root, 'concat'), 'concat', { numLayers: 2, numKvHeads: 2, numHeads: 2, headSize: 8, contextLength: 512 }, true);
    const m = await loadModel(dir);
    expect(m.plan.mode).toBe('slice-past');
    await checkDecoder(m, Array.from({ length: 150 }, (_, i) => (i * 37) % 300));
    await m.session.release();
  });

  it('reuses the cached prompt prefix of the previous turn with the same result', async () => {
    const warm = await Engine.load({ modelDir: tinyDir });
    const tools = [{ type: 'function' as const, function: { name: 'calculate_circle_area' } }];
    const first = await warm.chat({ messages: [{ role: 'user', content: 'Hi' }], tools });
    const turn2 = [
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: null, toolCalls: first.toolCalls },
      { role: 'tool' as const, content: '78.5' },
    ];
    const cached = await warm.chat({ messages: turn2, tools });
    const cold = await (await Engine.load({ modelDir: tinyDir })).chat({ messages: turn2, tools });
    expect(cached.usage.cachedPromptTokens).toBeGreaterThan(first.usage.promptTokens / 2);
    expect(cold.usage.cachedPromptTokens).toBe(0);
    expect(cached.content).toBe(cold.content);
    expect(cached.content).toBe(TINY_ANSWER);
  });
});

describe('KvCache', () => {
  it('keeps every slot and head row when capacity grows, in the one buffer sized for the context', () => {
    const shape = { numLayers: 1, numKvHeads: 3, headSize: 2, elemType: DT.FLOAT };
    const kv = new KvCache(shape, 2, 300);
    const value = (slot: number, h: number, pos: number, d: number) => slot * 100_000 + h * 1000 + pos * 10 + d;
    const write = (slot: number, pos: number) => {
      const data = new Float32Array(3 * 2);
      for (let h = 0; h < 3; h++) for (let d = 0; d < 2; d++) data[h * 2 + d] = value(slot, h, pos, d);
      kv.write(0, 0, slot, data, 0, pos, 1);
    };
    const check = (slot: number, length: number) => {
      const t = kv.tensor(0, 0, 0, 2);
      const cap = t.dims[2];
      const data = t.data as Float32Array;
      for (let h = 0; h < 3; h++) {
        for (let p = 0; p < length; p++) for (let d = 0; d < 2; d++) expect(data[((slot * 3 + h) * cap + p) * 2 + d]).toBe(value(slot, h, p, d));
      }
    };
    for (let p = 0; p < 300; p++) {
      kv.reserve(p + 1); // 64, 128, ...: a wider stride inside the same buffer
      write(0, p);
      if (p < 150) write(1, p);
      if (p === 100) check(1, 101);
    }
    expect(kv.capacity).toBe(300); // capped at the context length, not rounded past it
    check(0, 300);
    check(1, 150);
    expect(kv.bytes).toBe(kvCacheBytes(kvSizeShape(shape), 300, 2));
    expect(() => kv.reserve(301)).toThrow(RangeError);
  });

  it("is the hardware planner's KV term for Phi-4-mini cpu-int4 (same formula, any context and parallelism)", () => {
    const catalog = bundledCatalog();
    const phi = findModel(catalog, 'phi-4-mini-instruct')!;
    const form = phi.forms.find((f) => f.id === 'onnx-cpu-int4')!;
    const a = phi.architecture;
    for (const [context, parallel] of [[4096, 1], [131_072, 4]]) {
      const planned = estimateTerms(catalog, { backend: 'embedded', model: phi, form, context, parallel }).find((t) => t.key === 'kv-cache')!.bytes;
      expect(kvCacheBytes({ layers: a.layers, kvHeads: a.kvHeads, headDim: a.headDim, bytesPerElement: form.kvBytesPerElement }, context, parallel)).toBe(planned);
    }
  });

  it('a context too large to reserve fails the load with a clear error naming --context', async () => {
    const dir = writeKvModel(path.join(root, 'huge-context'), 'gqa', { numLayers: 2, numKvHeads: 8, numHeads: 8, headSize: 128, contextLength: 2 ** 40 });
    await expect(Engine.load({ modelDir: dir, concurrency: 4 })).rejects.toMatchObject({ code: 'insufficient_resources', hint: expect.stringContaining('--context') });
  });

  it('holds at most what the planner counts for the context, however long the generation runs', async () => {
    const engine = await Engine.load({ modelDir: tinyDir, concurrency: 2, contextLength: 512 });
    const shape = { numLayers: engine.spec.numLayers, numKvHeads: engine.spec.numKvHeads, headSize: engine.spec.headSize, elemType: DT.FLOAT };
    const limit = kvCacheBytes(kvSizeShape(shape), 512, 2);
    const seen: number[] = [];
    const ids = engine.tokenizer.encode(engine.renderPrompt([{ role: 'user', content: 'hi' }]));
    // Both slots run to the end of the context (ignore_eos); the KV held is sampled at every token.
    await Promise.all(
      [0, 1].map(() => engine.generate(ids, { maxTokens: 10_000, ignoreEos: true }, () => seen.push(engine.stats().kvCacheBytes))),
    );
    expect(Math.max(...seen)).toBe(limit);
    expect(seen.every((b) => b <= limit)).toBe(true);
    // It grows with the sequences rather than being taken whole at the start.
    expect(Math.min(...seen)).toBeLessThan(limit / 2);
    await engine.dispose();
  });
});

describe('KV memory of a forward pass', () => {
  /** Peak resident memory of this process since the last reset (Linux /proc). */
  const peakBytes = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

  it('a decode step at a long context adds one layer of KV at most, not a second copy of the cache', async () => {
    // Phi-4-mini's KV shape, 32 layers: 2,000 positions hold 500 MB.
    const dir = writeKvModel(path.join(root, 'phi4-kv'), 'gqa', { numLayers: 32, numKvHeads: 8, numHeads: 8, headSize: 128, contextLength: 2048 });
    const m = await loadModel(dir, { intraOpThreads: 1 });
    const d = new Decoder(m, 1, 2048);
    await d.forward([{ slot: 0, past: 0, ids: [5] }]);
    d.kv.reserve(2000);
    // A full cache, as 2,000 decoded positions leave it (written directly: computing them takes minutes).
    for (let l = 0; l < 32; l++) for (const kind of [0, 1] as const) (d.kv.tensor(l, kind, 0, 1).data as Float32Array).fill(0.01);
    writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
    const before = peakBytes();
    await d.forward([{ slot: 0, past: 1999, ids: [7] }]);
    const added = peakBytes() - before;
    expect(d.kv.bytes).toBeGreaterThan(500 * 2 ** 20);
    expect(added).toBeLessThan(d.kv.bytes / 8);
    await m.session.release();
  });
});

describe('the decode loop', () => {
  it('stops on EOS and picks the argmax when greedy', async () => {
    const m = await loadModel(tinyDir);
    const ids = m.tokenizer.encode(m.tokenizer.renderChat([{ role: 'user', content: 'x' }]));
    const forward = sequenceOn(new Decoder(m, 1, m.spec.contextLength));
    let logits = await forward(ids);
    const out: number[] = [];
    while (!m.spec.eosTokenIds.includes(argmax(logits))) {
      out.push(argmax(logits));
      logits = await forward([out.at(-1)!]);
    }
    expect(m.tokenizer.decode(out)).toBe(TINY_ANSWER);
    await m.session.release();
  });
});
