/**
 * The engine's OpenAI semantics checked with a client nobody here wrote: the official `openai`
 * SDK (plus raw fetch where the wire shape itself is the point), against the engine process
 * serving the generated tiny model.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEngine, type EngineProcess } from '../../electron/engine/spawn-engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { TINY_ANSWER, TINY_DEMO_MESSAGES } from '../../electron/engine/tiny-model/spec';

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
  ])('refuses %s with a 400 that names the parameter', async (_what, body, param, message) => {
    const err = await refusal(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});
