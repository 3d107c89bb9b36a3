/**
 * Constrained decoding: turns a grammar (json-grammar.ts) into a per-step token mask over the
 * tokenizer's vocabulary. Tokens are walked as a byte trie from the current parse state, so a
 * branch the grammar rejects is cut at its first byte; masks are cached by state. A token is also
 * refused when the output could no longer be completed within the remaining token budget, so the
 * JSON closes before max_tokens whenever the budget allows it at all.
 *
 * The request side describes the constraint as plain data (GrammarSpec), so it can be built
 * wherever the decode loop runs.
 */
import type { ChatTokenizer } from './chat-tokenizer';
import { Grammar, type SeqPart, type Stack } from './json-grammar';
import { GrammarBuilder } from './json-schema-grammar';

export interface ToolGrammar {
  name: string;
  /** JSON Schema of the arguments; null: any JSON object. */
  parameters: Record<string, unknown> | null;
}

/** What the output must be, as plain data. */
export interface GrammarSpec {
  /** JSON content: `schema` null means any JSON object (response_format json_object). */
  json?: { schema: Record<string, unknown> | null };
  /**
   * Tool calls in the model's format (`<|tool_call|>[{"name", "arguments"}]<|/tool_call|>`), to
   * these tools only. `required`: the output is the call; `auto`: free text (or the JSON above)
   * until the model opens a call, which must then be a valid one.
   */
  tools?: { mode: 'auto' | 'required'; tools: ToolGrammar[]; maxCalls: number; open: string; close: string };
}

/** Applied by the decode loop around the sampler. */
export interface TokenConstraint {
  /**
   * Sets the logits of tokens not allowed now to -Infinity; `remaining` counts this token. Async:
   * a new state's walk of a large vocabulary yields to the event loop now and then.
   */
  mask(logits: Float32Array, remaining: number): Promise<void>;
  /** Advances past the chosen token. */
  accept(token: number): void;
  /** Nothing but EOS can follow: the output is complete. */
  readonly finished: boolean;
}

interface Vocabulary {
  /** Ids of the byte tokens in byte order, so tokens sharing a prefix are neighbours (a flat trie). */
  order: Int32Array;
  bytes: Array<Uint8Array | undefined>;
  /** Special (added) tokens, matched whole: markers such as `<|tool_call|>`. */
  specials: number[];
  /** 1 for tokens of printable ASCII other than `"` and `\`: they extend a JSON string as they are. */
  plain: Uint8Array;
  size: number;
}

/** The tokenizer surface a constraint needs. */
export type ConstraintTokenizer = Pick<ChatTokenizer, 'size' | 'specialIds' | 'tokenBytes'>;

const vocabularies = new WeakMap<ConstraintTokenizer, Promise<Vocabulary>>();

/** Tokens visited between yields to the event loop, so /health and other requests are not held up by a long walk. */
const WALK_SLICE = 16384;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** The first position after `from` whose token does not start with `prefix` (tokens with it are contiguous). */
function endOfPrefix(order: Int32Array, bytes: Array<Uint8Array | undefined>, from: number, prefix: Uint8Array): number {
  const has = (i: number) => commonPrefix(bytes[order[i]]!, prefix) === prefix.length;
  // Gallop first: most rejected prefixes cover a handful of tokens.
  let step = 1;
  while (from + step < order.length && has(from + step)) step *= 2;
  let lo = from + Math.max(1, step / 2);
  let hi = Math.min(from + step, order.length);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (has(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The tokenizer's tokens as bytes in sorted order, built once per tokenizer. */
function vocabularyOf(tok: ConstraintTokenizer): Promise<Vocabulary> {
  let v = vocabularies.get(tok);
  if (!v) vocabularies.set(tok, (v = buildVocabulary(tok)));
  return v;
}

async function buildVocabulary(tok: ConstraintTokenizer): Promise<Vocabulary> {
  const bytes: Array<Uint8Array | undefined> = new Array(tok.size);
  const specials: number[] = [];
  const ids: number[] = [];
  for (let id = 0; id < tok.size; id++) {
    if (id > 0 && id % WALK_SLICE === 0) await yieldToEventLoop();
    if (tok.specialIds.has(id)) {
      specials.push(id);
      continue;
    }
    const b = tok.tokenBytes(id);
    if (!b || b.length === 0) continue;
    bytes[id] = b;
    ids.push(id);
  }
  ids.sort((a, b) => compareBytes(bytes[a]!, bytes[b]!));
  const plain = new Uint8Array(tok.size);
  for (const id of ids) plain[id] = bytes[id]!.every((c) => c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) ? 1 : 0;
  return { order: Int32Array.from(ids), bytes, specials, plain, size: tok.size };
}

/** Compiles the spec into a grammar and its start state. */
export function compileGrammar(spec: GrammarSpec, tokenId: (token: string) => number | undefined): { grammar: Grammar; start: Stack[] } {
  const b = new GrammarBuilder();
  const enc = new TextEncoder();
  let json: number | undefined;
  if (spec.json) json = spec.json.schema ? b.schema(spec.json.schema) : b.anyObject();
  let call: number | undefined;
  if (spec.tools) {
    const calls = spec.tools.tools.map((t) =>
      b.fixedObject([
        ['name', b.literal(t.name)],
        ['arguments', t.parameters ? b.schema(t.parameters) : b.anyObject()],
      ]),
    );
    const list = b.array(b.union(calls), 1, spec.tools.maxCalls);
    const marker = (text: string): SeqPart => {
      const id = tokenId(text);
      return id === undefined ? { bytes: enc.encode(text) } : { special: id };
    };
    const open = marker(spec.tools.open);
    const close = marker(spec.tools.close);
    call = b.seq([open, { node: list }, close]);
    if (spec.tools.mode === 'auto' && json === undefined) {
      // Free text until the model opens a call itself (never, without a marker token to see).
      const afterOpen = b.seq([{ node: list }, close]);
      const grammar = b.build();
      return { grammar, start: grammar.startFree('special' in open ? open.special : -1, afterOpen) };
    }
  }
  const grammar = b.build();
  const start: Stack[] = [];
  if (json !== undefined && (call === undefined || spec.tools?.mode === 'auto')) start.push(...grammar.startValue(json));
  if (call !== undefined) start.push(...grammar.startSeq(call));
  return { grammar, start };
}

interface MaskEntry {
  ids: Int32Array;
  /** Fewest bytes that complete the output after each allowed token. */
  close: Int32Array;
}

const MAX_CACHED_STATES = 4096;

export class GrammarConstraint implements TokenConstraint {
  private alts: Stack[];
  private readonly cache = new Map<string, MaskEntry>();
  private allowed = new Uint8Array(0);

  constructor(
    readonly grammar: Grammar,
    start: Stack[],
    private readonly tokenizer: ConstraintTokenizer,
    private readonly eosIds: ReadonlySet<number>,
  ) {
    this.alts = start;
  }


  get finished(): boolean {
    return this.alts.length === 0 || this.grammar.finished(this.alts);
  }

  async mask(logits: Float32Array, remaining: number): Promise<void> {
    if (this.grammar.isFree(this.alts)) return;
    // Built on first use: free text (tools offered, none called yet) never needs it.
    const vocab = await vocabularyOf(this.tokenizer);
    const entry = await this.entry(vocab);
    if (this.allowed.length !== vocab.size) this.allowed = new Uint8Array(vocab.size);
    const allowed = this.allowed;
    allowed.fill(0);
    // A token is fine if what it leaves can still be closed in the tokens left after it.
    let any = false;
    for (let i = 0; i < entry.ids.length; i++) {
      if (entry.close[i] <= remaining - 1) {
        allowed[entry.ids[i]] = 1;
        any = true;
      }
    }
    // The budget cannot hold the shortest completion: follow the grammar alone.
    if (!any) for (const id of entry.ids) allowed[id] = 1;
    if (this.grammar.canEnd(this.alts)) for (const id of this.eosIds) if (id < allowed.length) allowed[id] = 1;
    for (let id = 0; id < logits.length; id++) if (id >= allowed.length || !allowed[id]) logits[id] = -Infinity;
  }

  accept(token: number): void {
    if (this.eosIds.has(token)) {
      this.alts = [];
      return;
    }
    if (this.tokenizer.specialIds.has(token)) this.alts = this.grammar.stepSpecial(this.alts, token);
    else if (!this.grammar.isFree(this.alts)) {
      const bytes = this.tokenizer.tokenBytes(token);
      this.alts = bytes ? this.grammar.stepBytes(this.alts, bytes) : [];
    }
  }

  private async entry(vocab: Vocabulary): Promise<MaskEntry> {
    const key = this.alts.map((s) => s.key).join('|');
    let entry = this.cache.get(key);
    if (entry) return entry;
    const ids: number[] = [];
    const close: number[] = [];
    const g = this.grammar;
    const { order, bytes, plain } = vocab;
    // Inside a free string most tokens are plain text that keeps the state: no stepping needed.
    const freeString = g.inFreeString(this.alts);
    const stay = freeString ? g.minClose(this.alts) : 0;
    // states[d]: the parse state after the first d bytes of the current token. Sorted order makes
    // consecutive tokens share prefixes, so each shared prefix is stepped once, and a prefix the
    // grammar rejects skips every token that starts with it.
    const states: Stack[][] = [this.alts];
    let prev: Uint8Array = new Uint8Array(0);
    for (let k = 0, slice = WALK_SLICE; k < order.length; ) {
      if (k >= slice) {
        slice = k + WALK_SLICE;
        await yieldToEventLoop();
      }
      const id = order[k];
      if (freeString && plain[id]) {
        ids.push(id);
        close.push(stay);
        k++;
        continue;
      }
      const b = bytes[id]!;
      const common = commonPrefix(prev, b);
      prev = b;
      states.length = common + 1;
      let dead = -1;
      for (let d = common; d < b.length; d++) {
        const next = g.stepByte(states[d], b[d]);
        if (next.length === 0) {
          dead = d;
          break;
        }
        states.push(next);
      }
      if (dead >= 0) {
        k = endOfPrefix(order, bytes, k, b.subarray(0, dead + 1));
        continue;
      }
      ids.push(id);
      close.push(g.minClose(states[b.length]));
      k++;
    }
    for (const id of vocab.specials) {
      if (this.eosIds.has(id)) continue;
      const next = g.stepSpecial(this.alts, id);
      if (next.length > 0) {
        ids.push(id);
        close.push(g.minClose(next));
      }
    }
    entry = { ids: Int32Array.from(ids), close: Int32Array.from(close, (c) => Math.min(c, 0x7fffffff)) };
    if (this.cache.size >= MAX_CACHED_STATES) this.cache.clear();
    this.cache.set(key, entry);
    return entry;
  }
}

/** The constraint a spec describes, for this tokenizer. */
export function createConstraint(spec: GrammarSpec, tokenizer: ConstraintTokenizer & Pick<ChatTokenizer, 'tokenId'>, eosIds: ReadonlySet<number>): TokenConstraint {
  const specialId = (t: string) => {
    const id = tokenizer.tokenId(t);
    return id !== undefined && tokenizer.specialIds.has(id) ? id : undefined;
  };
  const { grammar, start } = compileGrammar(spec, specialId);
  return new GrammarConstraint(grammar, start, tokenizer, eosIds);
}
