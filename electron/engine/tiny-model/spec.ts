/**
 * What the tiny demo model knows: its vocabulary plan, its two scripted answers and its shapes.
 * The generator, the tests and the docs all read these constants.
 */

/** Greedy answer to any chat without tools. */
export const TINY_ANSWER = 'Hello! I am a tiny demo model running on ONNX Runtime.';

/** Greedy answer when the system turn carries tools (and no tool call was made yet). */
export const TINY_TOOL_CALL = { name: 'calculate_circle_area', arguments: { radius: 5 } } as const;
/** The tool-call text split into the two vocabulary entries the model emits after `<|tool_call|>`. */
export const TINY_TOOL_CALL_CHUNKS = ['[{"name": "calculate_circle_area", ', '"arguments": {"radius": 5}}]'] as const;

/** The demo prompt used in docs, tests and the first-run experience. */
export const TINY_DEMO_MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello! Who are you?' },
] as const;

/** Phi-4-mini's special tokens, in Phi-4-mini's id order (199999, 200018..200028). */
export const SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|endofprompt|>',
  '<|assistant|>',
  '<|end|>',
  '<|user|>',
  '<|system|>',
  '<|tool|>',
  '<|/tool|>',
  '<|tool_call|>',
  '<|/tool_call|>',
  '<|tool_response|>',
  '<|tag|>',
] as const;

/** Phi-4-mini-instruct's chat template, verbatim from its tokenizer_config.json. */
export const PHI4_MINI_CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and message['tools'] is not none %}" +
  "{{ '<|' + message['role'] + '|>' + message['content'] + '<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}" +
  "{% else %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}";

export const TINY_SHAPES = {
  numLayers: 2,
  numAttentionHeads: 8,
  numKvHeads: 2,
  headSize: 8,
  hiddenSize: 64,
  mlpSize: 16,
  contextLength: 4096,
} as const;

/** Folder name of the committed copy under resources/models/ and the default model id. */
export const TINY_MODEL_ID = 'slm-deck-tiny-demo';
