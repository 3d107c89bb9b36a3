/**
 * Tokenizer and chat template of a model folder: @huggingface/tokenizers for tokenizer.json,
 * @huggingface/jinja for the chat template, plus a streaming detokenizer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

/** Templates kept beside tokenizer_config.json, as newer transformers exports write them. */
export interface ChatTemplateFiles {
  /** chat_template.jinja: the default template (it overrides tokenizer_config.json's). */
  default?: string;
  /** additional_chat_templates/NAME.jinja, e.g. `tool_use`. */
  named?: Record<string, string>;
}

/**
 * Reads `chat_template.jinja` and `additional_chat_templates/*.jinja` from a model folder, the
 * layout transformers saves since it moved templates out of tokenizer_config.json.
 */
export function readChatTemplateFiles(dir: string): ChatTemplateFiles {
  const files: ChatTemplateFiles = {};
  const main = path.join(dir, 'chat_template.jinja');
  if (existsSync(main)) files.default = readFileSync(main, 'utf8');
  const extra = path.join(dir, 'additional_chat_templates');
  if (existsSync(extra)) {
    files.named = Object.fromEntries(
      readdirSync(extra)
        .filter((f) => f.endsWith('.jinja'))
        .map((f) => [f.slice(0, -'.jinja'.length), readFileSync(path.join(extra, f), 'utf8')]),
    );
  }
  return files;
}

/** The role Phi-4-mini's vocabulary reserves for tool results (its `<|tool|>` opens tool definitions). */
export const TOOL_RESPONSE_TOKEN = '<|tool_response|>';

/** A message as the chat template sees it (Phi-4-mini reads `tools` on the system turn). */
export interface TemplateMessage {
  role: string;
  content: string;
  tools?: string;
}

type NamedTemplate = { name: string; template: string };

/** GPT-2's printable-character stand-ins for bytes, inverted: what a byte-level BPE token string spells. */
function byteLevelTable(): Map<string, number> {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table = new Map<string, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) table.set(String.fromCharCode(printable(b) ? b : 256 + extra++), b);
  return table;
}

/** Does the tokenizer's decoder undo GPT-2's byte-level mapping (Phi-4-mini's o200k tokenizer does)? */
function isByteLevel(tokenizerJson: Record<string, unknown>): boolean {
  const d = tokenizerJson.decoder as { type?: string; decoders?: Array<{ type?: string }> } | null | undefined;
  return d?.type === 'ByteLevel' || (d?.type === 'Sequence' && (d.decoders ?? []).some((x) => x.type === 'ByteLevel'));
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export class ChatTokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly templates = new Map<string, Template>();
  readonly bosToken?: string;
  readonly eosToken?: string;
  /** Ids of added special tokens (`<|end|>`, `<|tool_call|>`, ...). */
  readonly specialIds: ReadonlySet<number>;
  /** One past the highest id the tokenizer can decode; logits beyond it are never sampled. */
  readonly size: number;

  private readonly byteLevel: Map<string, number> | undefined;

  constructor(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, templateFiles: ChatTemplateFiles = {}) {
    this.tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    this.byteLevel = isByteLevel(tokenizerJson) ? byteLevelTable() : undefined;
    this.bosToken = tokenText(tokenizerConfig.bos_token);
    this.eosToken = tokenText(tokenizerConfig.eos_token);
    const raw = tokenizerConfig.chat_template as string | NamedTemplate[] | undefined;
    if (typeof raw === 'string') this.templates.set('default', new Template(raw));
    else if (Array.isArray(raw)) for (const t of raw) this.templates.set(t.name, new Template(t.template));
    // Same precedence as transformers: the .jinja file replaces the config's default, named files add to it.
    if (templateFiles.default !== undefined) this.templates.set('default', new Template(templateFiles.default));
    for (const [name, text] of Object.entries(templateFiles.named ?? {})) this.templates.set(name, new Template(text));
    const special = new Set<number>();
    for (const [id, tok] of this.tokenizer.get_added_tokens_decoder()) if (tok.special) special.add(id);
    this.specialIds = special;
    let max = -1;
    for (const id of this.tokenizer.get_vocab(true).values()) if (id > max) max = id;
    this.size = max + 1;
  }

  get hasChatTemplate(): boolean {
    return this.templates.size > 0;
  }

  encode(text: string): number[] {
    // Chat templates already contain every special token, as in HF apply_chat_template.
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: number[], skipSpecial = true): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode(ids, { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
  }

  private readonly single = new Map<number, string>();

  /** decode() with a cache for single tokens, the common case in streaming. */
  decodeCached(ids: number[]): string {
    if (ids.length !== 1) return this.decode(ids);
    let text = this.single.get(ids[0]);
    if (text === undefined) {
      text = this.decode(ids);
      if (this.single.size < 65536) this.single.set(ids[0], text);
    }
    return text;
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  tokenString(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  /**
   * The bytes a token stands for (what it adds to the output; a piece of a UTF-8 character for
   * some tokens). Special tokens: their text. Undefined for ids the tokenizer does not know.
   */
  tokenBytes(id: number): Uint8Array | undefined {
    const raw = this.tokenizer.id_to_token(id);
    if (raw === undefined) return undefined;
    if (this.specialIds.has(id)) return new TextEncoder().encode(raw);
    if (this.byteLevel) {
      const out = new Uint8Array(raw.length);
      let n = 0;
      for (const ch of raw) {
        const b = this.byteLevel.get(ch);
        if (b === undefined) return new TextEncoder().encode(this.decode([id]));
        out[n++] = b;
      }
      return out.subarray(0, n);
    }
    // SentencePiece-style: byte-fallback tokens and the word-boundary marker.
    const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(raw);
    if (hex) return Uint8Array.of(parseInt(hex[1], 16));
    return new TextEncoder().encode(raw.replace(/\u2581/g, ' '));
  }

  /**
   * Renders the model's own chat template (`tool_use` when tools are offered and it exists). There
   * is no fallback: a made-up transcript format would only get a made-up answer, so a folder
   * without a template fails to load (model-loader.ts).
   */
  renderChat(messages: TemplateMessage[], addGenerationPrompt = true): string {
    const wantsTools = messages.some((m) => m.tools !== undefined);
    const template = (wantsTools && this.templates.get('tool_use')) || this.templates.get('default') || [...this.templates.values()][0];
    if (!template) throw new Error('the tokenizer has no chat template');
    return template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.bosToken ?? '',
      eos_token: this.eosToken ?? '',
    });
  }

  /** A detokenizer that turns a token stream into text deltas without splitting UTF-8 characters. */
  streamDecoder(visibleSpecial: ReadonlySet<number> = new Set()): StreamDecoder {
    return new StreamDecoder(this, visibleSpecial);
  }
}

/**
 * Incremental decoding: decode a short window of recent tokens and emit what it adds, holding back
 * while the text ends in an incomplete character (U+FFFD). Special tokens are dropped unless listed
 * in `visibleSpecial` (tool-call markers), which are emitted verbatim.
 */
export class StreamDecoder {
  private ids: number[] = [];
  private prefix = 0;
  private read = 0;
  /** decode(ids[prefix:read]), valid until prefix/read move. */
  private readText: string | undefined = '';

  constructor(
    private readonly tok: ChatTokenizer,
    private readonly visibleSpecial: ReadonlySet<number>,
  ) {}

  push(id: number): string {
    if (this.tok.specialIds.has(id)) {
      const pending = this.flush();
      return this.visibleSpecial.has(id) ? pending + (this.tok.tokenString(id) ?? '') : pending;
    }
    this.ids.push(id);
    const before = (this.readText ??= this.tok.decodeCached(this.ids.slice(this.prefix, this.read)));
    const after = this.tok.decode(this.ids.slice(this.prefix));
    if (after.length > before.length && !after.endsWith('\uFFFD')) {
      this.prefix = this.read;
      this.read = this.ids.length;
      this.readText = undefined;
      // Keep the window short: everything before `prefix` is final.
      if (this.prefix > 64) {
        this.ids = this.ids.slice(this.prefix);
        this.read -= this.prefix;
        this.prefix = 0;
      }
      return after.slice(before.length);
    }
    return '';
  }

  /** Whatever is still held back (an incomplete character at the very end is emitted as is). */
  flush(): string {
    const before = this.readText ?? this.tok.decode(this.ids.slice(this.prefix, this.read));
    const after = this.tok.decode(this.ids.slice(this.prefix));
    this.ids = [];
    this.prefix = 0;
    this.read = 0;
    this.readText = '';
    return after.slice(before.length);
  }
}
