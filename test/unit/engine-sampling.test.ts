import { describe, expect, it } from 'vitest';
import { Prng } from '../../electron/engine/prng';
import { Sampler, type SamplingParams } from '../../electron/engine/sampling';

const params = (p: Partial<SamplingParams> = {}): SamplingParams => ({
  temperature: 1,
  topP: 1,
  topK: 0,
  repetitionPenalty: 1,
  seed: 1,
  ...p,
});

function draw(p: SamplingParams, logits: number[], n: number, limit = logits.length): number[] {
  const s = new Sampler(p, limit);
  return Array.from({ length: n }, () => s.sample(Float32Array.from(logits)));
}

function frequencies(tokens: number[], size: number): number[] {
  const f = new Array<number>(size).fill(0);
  for (const t of tokens) f[t]++;
  return f.map((c) => c / tokens.length);
}

describe('Prng', () => {
  it('is a fixed sequence per seed (tiny-model weights and seeded sampling depend on it)', () => {
    const a = new Prng(42);
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([2837322924, 544945897, 479756282]);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 100 }, () => b.next());
    const ys = Array.from({ length: 100 }, () => c.next());
    expect(xs).not.toEqual(ys);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('is roughly uniform', () => {
    const r = new Prng(7);
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) bins[Math.floor(r.next() * 10)]++;
    for (const b of bins) {
      expect(b / 50_000).toBeGreaterThan(0.09);
      expect(b / 50_000).toBeLessThan(0.11);
    }
  });
});

describe('Sampler', () => {
  it('is greedy at temperature 0, lowest id on ties', () => {
    expect(draw(params({ temperature: 0 }), [0.1, 3, -1, 3], 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('reproduces the same draws for the same seed and differs for another seed', () => {
    const logits = [1, 1.2, 0.8, 1.1, 0.9, 1];
    const a = draw(params({ seed: 123 }), logits, 200);
    const b = draw(params({ seed: 123 }), logits, 200);
    const c = draw(params({ seed: 124 }), logits, 200);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('draws from softmax(logits / T)', () => {
    const logits = [0, Math.log(2), Math.log(3)];
    const f = frequencies(draw(params({ seed: 5 }), logits, 30_000), 3);
    expect(f[0]).toBeCloseTo(1 / 6, 1);
    expect(f[1]).toBeCloseTo(2 / 6, 1);
    expect(f[2]).toBeCloseTo(3 / 6, 1);
    // T = 2 flattens: probabilities proportional to sqrt(1, 2, 3).
    const g = frequencies(draw(params({ seed: 5, temperature: 2 }), logits, 30_000), 3);
    const z = 1 + Math.SQRT2 + Math.sqrt(3);
    expect(g[0]).toBeCloseTo(1 / z, 1);
    expect(g[2]).toBeCloseTo(Math.sqrt(3) / z, 1);
  });

  it('top_k keeps only the k most likely tokens', () => {
    const tokens = draw(params({ topK: 2, temperature: 5 }), [3, 2.9, 2.8, 2.7], 2000);
    expect(new Set(tokens)).toEqual(new Set([0, 1]));
  });

  it('top_p keeps the smallest set reaching the mass', () => {
    // probabilities 0.5, 0.3, 0.2
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    expect(new Set(draw(params({ topP: 0.5 }), logits, 1000))).toEqual(new Set([0]));
    expect(new Set(draw(params({ topP: 0.75 }), logits, 2000))).toEqual(new Set([0, 1]));
    expect(new Set(draw(params({ topP: 1 }), logits, 2000))).toEqual(new Set([0, 1, 2]));
  });

  it('top_p over many near-equal tokens falls back to sorting and still respects the mass', () => {
    const logits = Array.from({ length: 100 }, (_, i) => -i * 0.01);
    const tokens = draw(params({ topP: 0.5, seed: 9 }), logits, 3000);
    // p_i ~ e^(-0.01 i): the 38 most likely tokens hold the first half of the mass.
    expect(Math.max(...tokens)).toBeLessThanOrEqual(37);
    expect(new Set(tokens).size).toBeGreaterThan(30);
  });

  it('repetition penalty discourages tokens already seen', () => {
    const s = new Sampler(params({ temperature: 0, repetitionPenalty: 2 }), 3);
    expect(s.sample(Float32Array.of(1, 3, 2))).toBe(1);
    s.observeOutput(1);
    // 3 / 2 = 1.5 < 2: token 2 wins now; negative logits are multiplied, not divided.
    expect(s.sample(Float32Array.of(1, 3, 2))).toBe(2);
    s.observePrompt([0, 2]);
    expect(s.sample(Float32Array.of(-1, 3, 2))).toBe(1);
  });

  it('presence penalty applies once per generated token, frequency penalty per occurrence; the prompt is not counted', () => {
    const greedy = (p: Partial<SamplingParams>) => {
      const s = new Sampler(params({ temperature: 0, ...p }), 2);
      s.observePrompt([0, 0, 0]);
      return Array.from({ length: 4 }, () => {
        const t = s.sample(Float32Array.of(2, 1.5));
        s.observeOutput(t);
        return t;
      });
    };
    expect(greedy({})).toEqual([0, 0, 0, 0]);
    // 2 - 0.4 = 1.6 stays above 1.5 however often token 0 repeats.
    expect(greedy({ presencePenalty: 0.4 })).toEqual([0, 0, 0, 0]);
    // 2 - 0.4 = 1.6, then 2 - 0.8 = 1.2 < 1.5: token 1 takes over, then each is penalised by its count.
    expect(greedy({ frequencyPenalty: 0.4 })).toEqual([0, 0, 1, 0]);
    // A negative penalty encourages repetition.
    const s = new Sampler(params({ temperature: 0, presencePenalty: -1 }), 2);
    s.observeOutput(1);
    expect(s.sample(Float32Array.of(2, 1.5))).toBe(1);
  });

  it('never picks ids past the tokenizer vocabulary (padded logits)', () => {
    expect(draw(params({ temperature: 0 }), [0, 1, 9, 9], 3, 2)).toEqual([1, 1, 1]);
    expect(draw(params({ temperature: 3 }), [0, 1, 9, 9], 500, 2).every((t) => t < 2)).toBe(true);
  });

  it('ignores tokens whose probability is negligible (> 30 logits below the best)', () => {
    expect(new Set(draw(params({ temperature: 1 }), [0, 0, -40], 3000))).toEqual(new Set([0, 1]));
  });
});

describe('logprobs and logit_bias', () => {
  it('reports log probabilities after temperature, before top-k / top-p, most likely first', () => {
    const logits = Float32Array.of(2, 1, 0, -1);
    const at = (temperature: number, topK = 0, topP = 1) => {
      const s = new Sampler(params({ temperature, topK, topP }), 4);
      const l = Float32Array.from(logits);
      const token = s.sample(l);
      return s.logprobs(l, token, 4);
    };
    const hot = at(2);
    const total = hot.top.reduce((sum, t) => sum + Math.exp(t.logprob), 0);
    expect(total).toBeCloseTo(1, 6);
    expect(hot.top.map((t) => t.id)).toEqual([0, 1, 2, 3]);
    // Softmax of logits / T: the gap between neighbours is 1 / T.
    expect(hot.top[0].logprob - hot.top[1].logprob).toBeCloseTo(0.5, 6);
    expect(at(0.5).top[0].logprob - at(0.5).top[1].logprob).toBeCloseTo(2, 6);
    // top-k / top-p narrow the draw, not the reported distribution.
    expect(at(2, 1, 0.1).top.map((t) => t.logprob)).toEqual(hot.top.map((t) => t.logprob));
    // Greedy reports the model's own distribution (temperature 1).
    expect(at(0).top[0].logprob - at(0).top[1].logprob).toBeCloseTo(1, 6);
  });

  it('leaves masked tokens out of the alternatives and floors an impossible token at -9999', () => {
    const s = new Sampler(params({ temperature: 1 }), 3);
    const l = Float32Array.of(0, -Infinity, 1);
    expect(s.logprobs(l, 1, 3)).toMatchObject({ id: 1, logprob: -9999, top: [{ id: 2 }, { id: 0 }] });
  });

  it('adds logit_bias before choosing: -100 bans a token, +100 forces one', () => {
    expect(draw(params({ temperature: 0, logitBias: { 0: -100 } }), [5, 1, 0], 2)).toEqual([1, 1]);
    expect(draw(params({ temperature: 1, logitBias: { 2: 100 } }), [5, 1, 0], 50).every((t) => t === 2)).toBe(true);
  });
});
