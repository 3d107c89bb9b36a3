import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatTokenizer } from '../../electron/engine/chat-tokenizer';
import type { Stack } from '../../electron/engine/json-grammar';
import { checkSchema, GrammarBuilder } from '../../electron/engine/json-schema-grammar';
import { Prng } from '../../electron/engine/prng';
import { compileGrammar, createConstraint, type GrammarSpec } from '../../electron/engine/token-constraint';
import { parseToolCalls } from '../../electron/engine/tool-calls';
import { buildTinyVocab } from '../../electron/engine/tiny-model/vocab';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Feeds `text` byte by byte; returns whether every byte was allowed and the output may end there. */
function accepts(schema: unknown, text: string | Uint8Array): boolean {
  const b = new GrammarBuilder();
  const node = schema === 'any-object' ? b.anyObject() : schema === 'any' ? b.any() : b.schema(schema);
  const g = b.build();
  const alts: Stack[] = g.stepBytes(g.startValue(node), typeof text === 'string' ? utf8(text) : text);
  return alts.length > 0 && g.canEnd(alts);
}

describe('JSON grammar (byte level)', () => {
  it('accepts every compact JSON value, and any JSON object for json_object', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        expect(accepts('any', JSON.stringify(v))).toBe(true);
        expect(accepts('any-object', JSON.stringify({ v }))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts escapes and multi-byte characters in strings', () => {
    expect(accepts('any', '"a\\"b\\\\c\\u00e9\\n"')).toBe(true);
    expect(accepts('any', JSON.stringify('Tính lãi kép 🚆'))).toBe(true);
  });

  it.each([
    ['a trailing comma', '[1,]'],
    ['a missing value', '{"a":}'],
    ['a leading zero', '01'],
    ['a raw control character', '"a\u0001"'],
    ['an unterminated string', '"abc'],
    ['a bare word', 'hello'],
    ['two values', '{} {}'],
    ['a bad escape', '"\\x"'],
    ['a broken UTF-8 sequence', Uint8Array.of(0x22, 0xc3, 0x28, 0x22)],
    ['a lone continuation byte', Uint8Array.of(0x22, 0x80, 0x22)],
  ])('rejects %s', (_what, text) => {
    expect(accepts('any', text)).toBe(false);
  });

  it('json_object accepts objects only', () => {
    expect(accepts('any-object', '{"a": [1, {"b": null}]}')).toBe(true);
    expect(accepts('any-object', '[1]')).toBe(false);
    expect(accepts('any-object', '"x"')).toBe(false);
  });

  it('enforces a schema: types, required properties in order, enums, array bounds, string lengths, refs', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 5 },
        age: { type: 'integer' },
        role: { enum: ['admin', 'user'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        boss: { anyOf: [{ $ref: '#' }, { type: 'null' }] },
      },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    expect(accepts(schema, '{"name":"Ann","age":30}')).toBe(true);
    expect(accepts(schema, '{"name": "Ann", "age": 30, "role": "user", "tags": ["x"], "boss": {"name":"Bo","age":50,"boss":null}}')).toBe(true);
    expect(accepts(schema, '{"age":30,"name":"Ann"}')).toBe(false);
    expect(accepts(schema, '{"name":"Ann"}')).toBe(false);
    expect(accepts(schema, '{"name":"","age":1}')).toBe(false);
    expect(accepts(schema, '{"name":"Annabel","age":1}')).toBe(false);
    expect(accepts(schema, '{"name":"Ann","age":1.5}')).toBe(false);
    expect(accepts(schema, '{"name":"Ann","age":1,"role":"root"}')).toBe(false);
    expect(accepts(schema, '{"name":"Ann","age":1,"tags":["a","b","c"]}')).toBe(false);
    expect(accepts(schema, '{"name":"Ann","age":1,"extra":1}')).toBe(false);
  });

  it('keeps minimum 0 and the safe-integer bounds the openai SDK zod helper writes', () => {
    expect(accepts({ type: 'number', minimum: 0 }, '-1')).toBe(false);
    expect(accepts({ type: 'number', minimum: 0 }, '2.5')).toBe(true);
    const safe = { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 };
    expect(checkSchema(safe, false)).toEqual([]);
    expect(accepts(safe, '-999999999999999')).toBe(true);
    expect(accepts(safe, '9999999999999999')).toBe(false);
  });

  it('keeps integer bounds digit by digit', () => {
    const range = { type: 'integer', minimum: 5, maximum: 120 };
    for (const ok of ['5', '99', '120', '12']) expect(accepts(range, ok), ok).toBe(true);
    for (const bad of ['4', '121', '0', '-1', '007', '1200', '5.0']) expect(accepts(range, bad), bad).toBe(false);
    const negative = { type: 'integer', exclusiveMinimum: -10, exclusiveMaximum: 0 };
    for (const ok of ['-9', '-1']) expect(accepts(negative, ok), ok).toBe(true);
    for (const bad of ['-10', '0', '-0', '3']) expect(accepts(negative, bad), bad).toBe(false);
    expect(checkSchema({ type: 'integer', minimum: 3, maximum: 2 }, false)).toEqual(['#: no integer lies between the bounds']);
    fc.assert(
      fc.property(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -6000, max: 6000 }), (lo, width, v) => {
        const schema = { type: 'integer', minimum: lo, maximum: lo + width };
        expect(accepts(schema, String(v))).toBe(v >= lo && v <= lo + width);
      }),
      { numRuns: 300 },
    );
  });

  it('names every keyword it cannot enforce, and OpenAI strict-mode breaches', () => {
    expect(checkSchema({ type: 'object', properties: { a: { type: 'string', pattern: '^x', format: 'email' }, n: { type: 'number', minimum: 1, maximum: 9 } } }, false)).toEqual([
      '#.properties.a: "pattern"',
      '#.properties.a: "format"',
      '#.properties.n: "minimum": 1 on a number (only 0 is enforced; integers take any bounds)',
      '#.properties.n: "maximum": 9 on a number (integers take any bounds)',
    ]);
    expect(checkSchema({ oneOf: [{ type: 'string' }] }, false)).toEqual(['#: "oneOf"']);
    expect(checkSchema({ type: 'object', properties: { a: { type: 'string' } } }, true)).toEqual([
      '#: strict mode needs "additionalProperties": false',
      '#: strict mode needs every property in "required" (missing a)',
    ]);
    expect(checkSchema({ type: 'object', properties: { me: { $ref: '#' } }, required: ['me'] }, false)[0]).toMatch(/no finite instance/);
    expect(checkSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }, true)).toEqual([]);
  });
});

describe('token constraint over a small vocabulary (the tiny model tokenizer)', () => {
  const vocab = buildTinyVocab();
  const tok = new ChatTokenizer(vocab.tokenizerJson, vocab.tokenizerConfig);
  const eos = new Set([vocab.idOf('<|end|>'), vocab.idOf('<|endoftext|>')]);

  /** Decodes under the constraint with random logits; returns the text and whether it ended by itself. */
  async function decode(spec: GrammarSpec, seed: number, budget: number): Promise<{ text: string; ended: boolean }> {
    const c = createConstraint(spec, tok, eos);
    const rng = new Prng(seed);
    const ids: number[] = [];
    for (let left = budget; left > 0; left--) {
      const logits = Float32Array.from({ length: vocab.vocabSize }, () => rng.next() * 8);
      await c.mask(logits, left);
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      expect(logits[best]).toBeGreaterThan(-Infinity);
      if (eos.has(best)) return { text: tok.decode(ids, false), ended: true };
      ids.push(best);
      c.accept(best);
      if (c.finished) return { text: tok.decode(ids, false), ended: true };
    }
    return { text: tok.decode(ids, false), ended: false };
  }

  it('always yields a JSON object for json_object, closed within the token budget', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const budget = 8 + (seed % 5) * 10;
      const { text, ended } = await decode({ json: { schema: null } }, seed, budget);
      expect(ended, text).toBe(true);
      const value: unknown = JSON.parse(text);
      expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
    }
  });

  it('always yields an instance of the schema', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 12 }, temp: { type: 'number' }, unit: { enum: ['C', 'F'] }, days: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 31 }, minItems: 1, maxItems: 3 } },
      required: ['city', 'temp', 'unit', 'days'],
      additionalProperties: false,
    };
    for (let seed = 1; seed <= 30; seed++) {
      const { text, ended } = await decode({ json: { schema } }, seed, 80);
      expect(ended, text).toBe(true);
      const v = JSON.parse(text) as { city: string; temp: number; unit: string; days: number[] };
      expect(Object.keys(v)).toEqual(['city', 'temp', 'unit', 'days']);
      expect(typeof v.city === 'string' && [...v.city].length <= 12).toBe(true);
      expect(typeof v.temp).toBe('number');
      expect(['C', 'F']).toContain(v.unit);
      expect(v.days.length >= 1 && v.days.length <= 3 && v.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 31)).toBe(true);
    }
  });

  it('forces a call to a declared tool in the model format, arguments per schema', async () => {
    const tools = [
      { name: 'area', parameters: { type: 'object', properties: { r: { type: 'number' } }, required: ['r'], additionalProperties: false } },
      { name: 'volume', parameters: null },
    ];
    for (let seed = 1; seed <= 20; seed++) {
      const { text, ended } = await decode({ tools: { mode: 'required', tools, maxCalls: 2, open: '<|tool_call|>', close: '<|/tool_call|>' } }, seed, 120);
      expect(ended, text).toBe(true);
      expect(text).toMatch(/^<\|tool_call\|>\s?\[/);
      expect(text).toMatch(/<\|\/tool_call\|>$/);
      const parsed = parseToolCalls(text, new Set(['area', 'volume']));
      expect(parsed, text).not.toBeNull();
      for (const call of parsed!.toolCalls) {
        const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
        if (call.function.name === 'area') expect(Object.keys(args)).toEqual(['r']);
      }
    }
  });

  it('leaves free text alone until the model opens a call (tool_choice auto)', async () => {
    const spec: GrammarSpec = { tools: { mode: 'auto', tools: [{ name: 'area', parameters: null }], maxCalls: 1, open: '<|tool_call|>', close: '<|/tool_call|>' } };
    const { grammar, start } = compileGrammar(spec, (t) => tok.tokenId(t));
    expect(grammar.isFree(start)).toBe(true);
    const c = createConstraint(spec, tok, eos);
    const logits = new Float32Array(vocab.vocabSize).fill(1);
    await c.mask(logits, 100);
    expect(logits.every((v) => v === 1)).toBe(true);
    c.accept(vocab.idOf('<|tool_call|>'));
    await c.mask(logits, 100);
    const allowed = [...logits.keys()].filter((i) => logits[i] > -Infinity).map((i) => tok.decode([i], false));
    expect(allowed.filter((t) => t.trim() !== '')).toEqual(['[']);
  });
});

describe('token constraint over a large vocabulary', () => {
  it('lets the event loop run during a long walk (a health check is not held up)', async () => {
    const rng = new Prng(5);
    const alphabet = 'abcdefghij "{}:,';
    const bytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    const seen = new Set<string>();
    while (bytes.length < 50_000) {
      const word = Array.from({ length: 3 + Math.floor(rng.next() * 6) }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
      if (!seen.has(word)) {
        seen.add(word);
        bytes.push(utf8(word));
      }
    }
    const tok = { size: bytes.length, specialIds: new Set<number>(), tokenBytes: (id: number) => bytes[id], tokenId: () => undefined };
    const c = createConstraint({ json: { schema: null } }, tok, new Set());
    c.accept(0x7b);
    c.accept(0x22);
    let ranMeanwhile = false;
    setImmediate(() => (ranMeanwhile = true));
    const logits = new Float32Array(bytes.length);
    await c.mask(logits, 1000);
    expect(ranMeanwhile).toBe(true);
    // Inside a key string: every word without a quote is allowed, nothing with a raw control byte is.
    const refusedWords = bytes.filter((b, id) => id >= 256 && !b.includes(0x22) && logits[id] === -Infinity);
    expect(refusedWords).toEqual([]);
    expect(bytes.filter((_, id) => logits[id] > -Infinity).every((b) => b.every((x) => x >= 0x20))).toBe(true);
  });
});
