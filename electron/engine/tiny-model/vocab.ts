/**
 * The tiny model's byte-level BPE vocabulary: 256 byte tokens (so any text encodes, no UNK), merges
 * that make each word of the scripted answer a single token, two tool-call chunks, and
 * Phi-4-mini's special tokens. Emitted as a regular Hugging Face tokenizer.json.
 */
import { PHI4_MINI_CHAT_TEMPLATE, SPECIAL_TOKENS, TINY_ANSWER, TINY_TOOL_CALL_CHUNKS } from './spec';

/** GPT-2's byte -> printable character table used by every byte-level BPE. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

const BYTE_CHARS = bytesToUnicode();

export function toByteLevel(text: string): string {
  return Array.from(new TextEncoder().encode(text), (b) => BYTE_CHARS[b]).join('');
}

/** GPT-2's pre-tokenizer split, the same regex the ByteLevel pre-tokenizer applies. */
export function preTokenize(text: string): string[] {
  return text.match(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu) ?? [];
}

export interface TinyVocab {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Id of a special token or of a byte-level vocabulary entry. */
  idOf(token: string): number;
  /** Token ids of TINY_ANSWER as the model emits them (one per pre-token). */
  answerIds: number[];
  /** `<|tool_call|>`, both chunks, `<|/tool_call|>`. */
  toolCallIds: number[];
  isSpecial(id: number): boolean;
  /** Number of tokens the tokenizer knows. */
  tokenCount: number;
  /** Logits width: tokenCount padded like Phi-4-mini pads 200029 tokens to 200064. */
  vocabSize: number;
}

export function buildTinyVocab(): TinyVocab {
  const vocab = new Map<string, number>();
  const add = (tok: string): number => {
    let id = vocab.get(tok);
    if (id === undefined) {
      id = vocab.size;
      vocab.set(tok, id);
    }
    return id;
  };
  for (let b = 0; b < 256; b++) add(BYTE_CHARS[b]);

  // Left-to-right prefix merges: every merge starts at a word's first character, so words never
  // interfere with each other and each answer word encodes to exactly one token.
  const merges: string[] = [];
  const seen = new Set<string>();
  const answerWords = preTokenize(TINY_ANSWER).map(toByteLevel);
  for (const word of answerWords) {
    const chars = Array.from(word);
    let prefix = chars[0];
    for (const ch of chars.slice(1)) {
      const merge = `${prefix} ${ch}`;
      prefix += ch;
      if (!seen.has(merge)) {
        seen.add(merge);
        merges.push(merge);
      }
      add(prefix);
    }
  }
  const chunkTokens = TINY_TOOL_CALL_CHUNKS.map(toByteLevel);
  chunkTokens.forEach(add);

  const addedTokens = SPECIAL_TOKENS.map((content) => ({
    id: add(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenCount = vocab.size;
  const vocabSize = Math.ceil(tokenCount / 64) * 64;
  const idOf = (token: string): number => {
    const id = vocab.get(token);
    if (id === undefined) throw new Error(`tiny vocab has no token ${JSON.stringify(token)}`);
    return id;
  };

  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_eos_token: false,
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
    bos_token: '<|endoftext|>',
    chat_template: PHI4_MINI_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|endoftext|>',
    model_max_length: 4096,
    pad_token: '<|endoftext|>',
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: '<|endoftext|>',
  };
  const specialIds = new Set(addedTokens.map((t) => t.id));
  return {
    isSpecial: (tokenId) => specialIds.has(tokenId),
    tokenizerJson,
    tokenizerConfig,
    idOf,
    answerIds: answerWords.map(idOf),
    toolCallIds: [idOf('<|tool_call|>'), ...chunkTokens.map(idOf), idOf('<|/tool_call|>')],
    tokenCount,
    vocabSize,
  };
}
