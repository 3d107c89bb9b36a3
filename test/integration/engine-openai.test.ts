/**
 * The engine's OpenAI semantics checked with a client nobody here wrote: the official `openai`
 * SDK (plus raw fetch where the wire shape itself is the point), against the engine process
 * serving the generated tiny model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_ANSWER, TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';
import { buildTinyVocab } from '../../electron/engine/tiny-model/vocab';

let root: string;
let engine: EngineProcess;
let client: OpenAI;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-engine-openai-'));
  const modelDir = generateTinyModel(path.join(root, 'tiny'));
  engine = await spawnEngine({ modelDir, port: 0, concurrency: 1, queue: 4, modelId: 'tiny-demo' });
  client = new OpenAI({ baseURL: `${engine.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

const messages = [...TINY_DEMO_MESSAGES] as OpenAI.ChatCompletionMessageParam[];
const model = 'tiny-demo';

/** The 400 the SDK throws for `body`, as an APIError. */
async function refusal(body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await client.chat.completions.create({ model, messages, ...body } as OpenAI.ChatCompletionCreateParamsNonStreaming).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('OpenAI request strictness', () => {
  it('accepts null for every optional field OpenAI allows it on', async () => {
    const nulls = Object.fromEntries(
      ['user', 'seed', 'stop', 'n', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'tools', 'tool_choice', 'logprobs', 'top_logprobs', 'response_format', 'metadata', 'store', 'service_tier', 'stream_options', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'audio', 'prediction', 'reasoning_effort'].map((k) => [k, null]),
    );
    const r = await client.chat.completions.create({ model, messages, ...nulls } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(r.choices[0].message.content).toBe(TINY_ANSWER);
  });

  it.each([
    ['an unknown field', { temprature: 0.5 }, 'temprature', /Unrecognized request argument/],
    ['audio output', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'mp3' } }, 'audio', /audio/],
    ['n = 2', { n: 2 }, 'n', /n = 1/],
    ['an image part', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }] }, 'messages[0].content[0].type', /image_url/],
    ['a tool message without tool_call_id', { messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', /tool_call_id/],
    ['top_logprobs without logprobs', { top_logprobs: 3 }, 'top_logprobs', /logprobs/],
    ['top_logprobs above 20', { logprobs: true, top_logprobs: 21 }, 'top_logprobs', /20/],
    ['store: true', { store: true }, 'store', /not stored/],
    ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type', /function/],
    ['tool_choice required without tools', { tool_choice: 'required' }, 'tool_choice', /declares none/],
    ['tool_choice naming an undeclared tool', { tools: [{ type: 'function', function: { name: 'area' } }], tool_choice: { type: 'function', function: { name: 'volume' } } }, 'tool_choice', /volume/],
    ['the deprecated functions field', { functions: [{ name: 'f' }] }, 'functions', /tools/],
    ['a misspelt key inside response_format', { response_format: { type: 'json_schema', json_schema: { name: 'x', shcema: {} } } }, 'response_format.json_schema.shcema', /Unrecognized/],
    [
      'a strict function whose schema cannot be enforced',
      { tools: [{ type: 'function', function: { name: 'f', strict: true, parameters: { type: 'object', properties: { a: { type: 'string', pattern: '^x' } }, required: ['a'], additionalProperties: false } } }] },
      'tools[0].function.parameters',
      /"pattern"/,
    ],
  ])('refuses %s with a 400 that names the parameter', async (_what, body, param, message) => {
    const err = await refusal(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'area', description: 'Area of a square', parameters: { type: 'object', properties: { side: { type: 'number' } }, required: ['side'], additionalProperties: false }, strict: true },
  },
  { type: 'function', function: { name: 'calculate_circle_area', parameters: { type: 'object', properties: { radius: { type: 'number' } } } } },
];
const ask = [{ role: 'user', content: 'What is the area of a circle with radius 5?' }] as OpenAI.ChatCompletionMessageParam[];

describe('structured output (constrained decoding)', () => {
  it('returns a JSON object for json_object although the model greedily answers prose', async () => {
    const plain = await client.chat.completions.create({ model, messages });
    expect(() => JSON.parse(plain.choices[0].message.content!)).toThrow();
    for (const extra of [{}, { temperature: 1.5, seed: 11, max_tokens: 200 }, { temperature: 1.5, seed: 12, max_tokens: 12 }]) {
      const r = await client.chat.completions.create({ model, messages, response_format: { type: 'json_object' }, ...extra });
      const value: unknown = JSON.parse(r.choices[0].message.content!);
      expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
    }
  });

  it('returns an instance of a strict json_schema, streamed too', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 20 }, celsius: { type: 'number' }, sky: { enum: ['clear', 'cloudy', 'rain'] }, alerts: { type: 'array', items: { type: 'string', maxLength: 10 }, maxItems: 2 } },
      required: ['city', 'celsius', 'sky', 'alerts'],
      additionalProperties: false,
    };
    const response_format = { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } } as const;
    const check = (text: string) => {
      const v = JSON.parse(text) as { city: string; celsius: number; sky: string; alerts: string[] };
      expect(Object.keys(v)).toEqual(['city', 'celsius', 'sky', 'alerts']);
      expect(typeof v.city).toBe('string');
      expect(typeof v.celsius).toBe('number');
      expect(['clear', 'cloudy', 'rain']).toContain(v.sky);
      expect(Array.isArray(v.alerts) && v.alerts.length <= 2).toBe(true);
    };
    const r = await client.chat.completions.create({ model, messages, response_format, max_tokens: 80 });
    check(r.choices[0].message.content!);
    const stream = client.chat.completions.stream({ model, messages, response_format, max_tokens: 80, temperature: 1, seed: 5 });
    const final = await stream.finalChatCompletion();
    check(final.choices[0].message.content!);
  });

  it("serves the SDK's own structured-output helper: parse() with zodResponseFormat", async () => {
    const Weather = z.object({ city: z.string().max(20), celsius: z.number(), sky: z.enum(['clear', 'rain']), days: z.array(z.object({ day: z.number().int(), note: z.string().nullable() })).max(2) });
    const r = await client.chat.completions.parse({ model, messages, response_format: zodResponseFormat(Weather, 'weather'), max_tokens: 120 });
    const parsed = r.choices[0].message.parsed;
    expect(Weather.safeParse(parsed).success).toBe(true);
  });

  it('refuses a schema feature it cannot enforce, naming it', async () => {
    const err = await refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } } } } });
    expect(err.param).toBe('response_format.json_schema.schema');
    expect(err.message).toMatch(/"format"/);
    const strict = await refusal({ response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } } } });
    expect(strict.message).toMatch(/additionalProperties/);
  });
});

describe('tool_choice', () => {
  it('calls only declared tools: auto lets the model choose among them', async () => {
    const r = await client.chat.completions.create({ model, messages: ask, tools });
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.content).toBeNull();
    const call = r.choices[0].message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('calculate_circle_area');
    // The model's habitual call is to a function this request does not declare: it must call `area`.
    const only = await client.chat.completions.create({ model, messages: ask, tools: [tools[0]] });
    const forced = only.choices[0].message.tool_calls!.map((c) => (c as OpenAI.ChatCompletionMessageFunctionToolCall).function);
    expect(forced.map((f) => f.name)).toEqual(['area']);
    expect(Object.keys(JSON.parse(forced[0].arguments) as object)).toEqual(['side']);
  });

  it('forces the named function, its arguments per its schema, streamed and not', async () => {
    const named = { type: 'function', function: { name: 'area' } } as const;
    const r = await client.chat.completions.create({ model, messages: ask, tools, tool_choice: named });
    const calls = r.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.function.name)).toEqual(['area']);
    expect(typeof (JSON.parse(calls[0].function.arguments) as { side: unknown }).side).toBe('number');
    const stream = client.chat.completions.stream({ model, messages: ask, tools, tool_choice: named });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.content).toBeNull();
    expect((final.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]).map((c) => c.function.name)).toEqual(['area']);
  });

  it('a forced call cut off by max_tokens comes back as that call, finish_reason length, with no marker text', async () => {
    const named = { type: 'function', function: { name: 'area' } } as const;
    const r = await client.chat.completions.create({ model, messages: ask, tools, tool_choice: named, max_tokens: 12 });
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.choices[0].message.content).toBeNull();
    const calls = r.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.function.name)).toEqual(['area']);
    // The arguments so far: nothing yet or the start of the object, not complete within 12 tokens.
    expect(calls[0].function.arguments).toMatch(/^(\s*\{[\s\S]*)?$/);
    expect(() => JSON.parse(calls[0].function.arguments) as unknown).toThrow();
  });

  it('allowed_tools narrows the offer: mode required calls one of the allowed functions only', async () => {
    const r = await client.chat.completions.create({
      model,
      messages: ask,
      tools,
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'area' } }] } },
      parallel_tool_calls: false,
    });
    const calls = r.choices[0].message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.function.name)).toEqual(['area']);
  });

  it('required makes a prose-answering model call a tool; none offers no tools', async () => {
    const r = await client.chat.completions.create({ model, messages, tools: [tools[0]], tool_choice: 'required' });
    expect(r.choices[0].finish_reason).toBe('tool_calls');
    expect(r.choices[0].message.tool_calls!.length).toBeGreaterThan(0);
    const none = await client.chat.completions.create({ model, messages: ask, tools, tool_choice: 'none' });
    expect(none.choices[0].message).toMatchObject({ content: TINY_ANSWER });
    expect(none.choices[0].message.tool_calls).toBeUndefined();
  });

  it('runTools gets only declared function calls and finishes with the model reply', async () => {
    const seen: string[] = [];
    const runner = client.chat.completions.runTools({
      model,
      messages: ask,
      tools: [
        {
          type: 'function',
          function: {
            name: 'calculate_circle_area',
            description: 'Area of a circle',
            parameters: { type: 'object', properties: { radius: { type: 'number' } } },
            function: (args: { radius: number }) => {
              seen.push(`calculate_circle_area(${args.radius})`);
              return String(Math.PI * args.radius ** 2);
            },
            parse: (text: string) => JSON.parse(text) as { radius: number },
          },
        },
      ],
    });
    const final = await runner.finalContent();
    expect(seen).toEqual(['calculate_circle_area(5)']);
    expect(final).toBe(TINY_ANSWER);
  });
});

describe('logprobs', () => {
  it('reports each token with its bytes and top alternatives, non-streaming', async () => {
    const r = await client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 3 });
    const content = r.choices[0].logprobs!.content!;
    expect(content.map((t) => t.token).join('')).toBe(TINY_ANSWER);
    expect(content).toHaveLength(r.usage!.completion_tokens);
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(Buffer.from(t.bytes!).toString('utf8')).toBe(t.token);
      expect(t.top_logprobs).toHaveLength(3);
      // Greedy: the chosen token is the most likely one.
      expect(t.top_logprobs[0]).toMatchObject({ token: t.token, logprob: t.logprob });
      expect(t.top_logprobs[1].logprob).toBeLessThanOrEqual(t.top_logprobs[0].logprob);
    }
    const bare = await client.chat.completions.create({ model, messages, logprobs: true });
    expect(bare.choices[0].logprobs!.content!.every((t) => t.top_logprobs.length === 0)).toBe(true);
    const none = await client.chat.completions.create({ model, messages });
    expect(none.choices[0].logprobs).toBeNull();
  });

  it('streams logprobs with the content they belong to', async () => {
    const stream = await client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 2, stream: true, temperature: 0.8, seed: 3, max_tokens: 20 });
    let text = '';
    const tokens: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      for (const t of chunk.choices[0]?.logprobs?.content ?? []) tokens.push(t.token);
    }
    expect(tokens.join('')).toBe(text);
    expect(tokens.length).toBeGreaterThan(0);
  });

  it('logprobs follow the temperature: a hotter request spreads the probability', async () => {
    const top = async (temperature: number) =>
      (await client.chat.completions.create({ model, messages, logprobs: true, top_logprobs: 2, temperature, top_p: 0.01, max_tokens: 1 })).choices[0].logprobs!.content![0].logprob;
    expect(await top(2)).toBeLessThan(await top(0.5));
  });
});

describe('logit_bias', () => {
  it('a -100 bias bans the token the model would pick', async () => {
    const hello = buildTinyVocab().answerIds[0];
    const r = await client.chat.completions.create({ model, messages, logit_bias: { [hello]: -100 }, max_tokens: 5 });
    expect(r.choices[0].message.content!.startsWith('Hello')).toBe(false);
  });
});
