import { describe, expect, it } from 'vitest';
import { ChatTokenizer } from '../../electron/engine/chat-tokenizer';
import { TINY_ANSWER } from '../../electron/engine/tiny-model/spec';
import { buildTinyVocab } from '../../electron/engine/tiny-model/vocab';

const vocab = buildTinyVocab();
const tok = new ChatTokenizer(vocab.tokenizerJson, vocab.tokenizerConfig);

function stream(ids: number[], visible: ReadonlySet<number> = new Set()): string[] {
  const d = tok.streamDecoder(visible);
  const deltas = ids.map((id) => d.push(id));
  deltas.push(d.flush());
  return deltas;
}

describe('tiny tokenizer (byte-level BPE)', () => {
  it('round-trips any text, multi-byte characters included', () => {
    for (const text of [
      'Hello! Who are you?',
      'Tính lãi kép của 5000 $ với 6 % trong 3 năm 🚆',
      '  spaces\tand\nnew lines  ',
      'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)',
    ]) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('encodes each word of the scripted answer as one token', () => {
    expect(tok.encode(TINY_ANSWER)).toEqual(vocab.answerIds);
    expect(vocab.answerIds).toHaveLength(13);
  });

  it('keeps Phi-4-mini special tokens whole and skips them when decoding', () => {
    const ids = tok.encode('<|user|>Hi<|end|><|assistant|>');
    expect(ids[0]).toBe(tok.tokenId('<|user|>'));
    expect(ids.at(-1)).toBe(tok.tokenId('<|assistant|>'));
    expect(ids.filter((i) => tok.specialIds.has(i))).toHaveLength(3);
    expect(tok.decode(ids)).toBe('Hi');
    expect(tok.decode(ids, false)).toBe('<|user|>Hi<|end|><|assistant|>');
  });

  it('knows how many ids it can decode (logits are padded past it)', () => {
    expect(tok.size).toBe(vocab.tokenCount);
    expect(vocab.vocabSize % 64).toBe(0);
    expect(vocab.vocabSize).toBeGreaterThanOrEqual(tok.size);
  });
});

describe('chat template (Phi-4-mini, rendered with @huggingface/jinja)', () => {
  it('renders turns and the generation prompt', () => {
    const text = tok.renderChat([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(text).toBe('<|system|>You are a helpful assistant.<|end|><|user|>Hi<|end|><|assistant|>');
    expect(tok.renderChat([{ role: 'user', content: 'Hi' }], false)).toBe('<|user|>Hi<|end|><|endoftext|>');
  });

  it('puts tools into the system turn between <|tool|> and <|/tool|>', () => {
    const text = tok.renderChat([
      { role: 'system', content: 'S', tools: '[{"name": "f"}]' },
      { role: 'user', content: 'U' },
    ]);
    expect(text).toBe('<|system|>S<|tool|>[{"name": "f"}]<|/tool|><|end|><|user|>U<|end|><|assistant|>');
  });
});

describe('streaming detokenizer', () => {
  it('emits whole characters only, and the deltas add up to the full text', () => {
    const text = 'Xin chào 👋 — ổn?';
    const ids = tok.encode(text);
    // Byte-level: the emoji and the Vietnamese letters span several tokens.
    expect(ids.length).toBeGreaterThan([...text].length);
    const deltas = stream(ids);
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
    expect(deltas.filter((d) => d.length > 0).length).toBeGreaterThan(5);
  });

  it('drops special tokens unless asked to show them', () => {
    const call = [tok.tokenId('<|tool_call|>')!, ...tok.encode('[1]'), tok.tokenId('<|/tool_call|>')!, tok.tokenId('<|end|>')!];
    expect(stream(call).join('')).toBe('[1]');
    const visible = new Set([tok.tokenId('<|tool_call|>')!, tok.tokenId('<|/tool_call|>')!]);
    expect(stream(call, visible).join('')).toBe('<|tool_call|>[1]<|/tool_call|>');
  });

  it('flushes an incomplete character at the end rather than losing it', () => {
    const bytes = tok.encode('€').slice(0, 2);
    expect(stream(bytes).join('')).toBe('\uFFFD');
  });
});
