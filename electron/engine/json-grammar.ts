/**
 * A JSON (schema) grammar as a byte-level pushdown automaton, for constrained decoding.
 *
 * A schema compiles to nodes (object, array, string, number, literal, union); a parse state is a
 * set of alternative stacks of immutable frames (alternatives come from unions: `anyOf`, `enum`,
 * type lists), so stepping never mutates and a state can be cached by its key. Sequences add
 * literal text and special tokens around a value (a forced tool call). `minClose` is the fewest
 * bytes that finish the output from a state, so a decoder can always close the JSON within its
 * token budget.
 *
 * Objects are written with their declared properties in schema order (as OpenAI's structured
 * outputs do): required ones always, optional ones may be skipped; additional properties are never
 * generated when properties are declared, so the output validates whatever additionalProperties says.
 */

/**
 * Whitespace bytes allowed in one gap between tokens of the JSON: one (`{"a": 1, "b": 2}`), so a
 * model cannot pad the output with runaway whitespace (a known failure of JSON-constrained decoding).
 */
const MAX_WS = 1;
/** Digits in an integer part, a fraction, an exponent: keeps numbers finite (JSON.stringify writes at most 21 and 23). */
const MAX_INT_DIGITS = 21;
/** Digits of a JSON Schema integer: 15 keeps every value within ±(2^53 - 1), exact in a double. */
export const MAX_INTEGER_DIGITS = 15;
const MAX_FRAC_DIGITS = 24;
const MAX_EXP_DIGITS = 3;

export type GrammarNode =
  | { kind: 'object'; props: Array<{ key: Uint8Array; node: number; required: boolean }>; extra: number }
  | { kind: 'array'; items: number; min: number; max: number }
  | { kind: 'string'; min: number; max: number }
  /** `lo` / `hi`: bounds of an integer (kept digit by digit); `nonNegative`: no sign. */
  | { kind: 'number'; integer: boolean; nonNegative?: boolean; lo?: number; hi?: number }
  | { kind: 'literal'; bytes: Uint8Array }
  | { kind: 'union'; options: number[] };

export type SeqPart = { special: number } | { bytes: Uint8Array } | { node: number };

type NumStage = 'sign' | 'zero' | 'int' | 'dot' | 'frac' | 'e' | 'esign' | 'exp';
type Frame =
  | { t: 'done' }
  | { t: 'val'; n: number; ws: number }
  | { t: 'obj'; n: number; st: 'open' | 'key' | 'colon' | 'val' | 'after' | 'comma'; j: number; ws: number }
  | { t: 'arr'; n: number; st: 'open' | 'item' | 'val' | 'after'; c: number; ws: number }
  | { t: 'str'; n: number; esc: number; u8: number; len: number }
  /** `v`, `neg`: the integer so far, tracked only for bounded integers (so other numbers keep one state per stage). */
  | { t: 'num'; n: number; st: NumStage; d: number; v: number; neg: boolean }
  | { t: 'lit'; b: Uint8Array; p: number }
  | { t: 'seq'; s: number; i: number }
  | { t: 'sp'; id: number }
  | { t: 'free'; trigger: number; s: number };

/** One alternative: the top frame and the frames waiting below it. Its key is built on demand. */
export class Stack {
  private k: string | undefined;
  constructor(
    readonly f: Frame,
    readonly up: Stack | null,
  ) {}

  get key(): string {
    return (this.k ??= this.up ? `${frameKey(this.f)}/${this.up.key}` : frameKey(this.f));
  }
}

let litIds = new WeakMap<Uint8Array, number>();
let nextLit = 0;
function litId(b: Uint8Array): number {
  let id = litIds.get(b);
  if (id === undefined) {
    if (nextLit > 1e9) {
      litIds = new WeakMap();
      nextLit = 0;
    }
    litIds.set(b, (id = nextLit++));
  }
  return id;
}

function frameKey(f: Frame): string {
  switch (f.t) {
    case 'done':
      return 'D';
    case 'val':
      return `v${f.n},${f.ws}`;
    case 'obj':
      return `o${f.n},${f.st},${f.j},${f.ws}`;
    case 'arr':
      return `a${f.n},${f.st},${f.c},${f.ws}`;
    case 'str':
      return `s${f.n},${f.esc},${f.u8},${f.len}`;
    case 'num':
      return `n${f.n},${f.st},${f.d},${f.v},${f.neg ? 1 : 0}`;
    case 'lit':
      return `l${litId(f.b)},${f.p}`;
    case 'seq':
      return `q${f.s},${f.i}`;
    case 'sp':
      return `p${f.id}`;
    case 'free':
      return `f${f.trigger},${f.s}`;
  }
}

const mk = (f: Frame, up: Stack | null): Stack => new Stack(f, up);
export const DONE: Stack = mk({ t: 'done' }, null);

const isWs = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
const ESCAPABLE = new Set(Array.from('"\\/bfnrt', (c) => c.charCodeAt(0)));
const NUM_ACCEPTS: ReadonlySet<NumStage> = new Set(['zero', 'int', 'frac', 'exp']);
const POW10 = Array.from({ length: MAX_INTEGER_DIGITS + 1 }, (_, i) => 10 ** i);

type NumberNode = Extract<GrammarNode, { kind: 'number' }>;
const isBounded = (node: NumberNode) => node.lo !== undefined || node.hi !== undefined;

/**
 * The fewest further digits after which an integer written so far (sign, |value| v with d digits)
 * ends inside the node's bounds: 0 when it may end now, Infinity when it never can.
 */
function digitsToRange(node: NumberNode, v: number, d: number, neg: boolean): number {
  const lo = node.lo ?? -Infinity;
  const hi = node.hi ?? Infinity;
  const sign = neg ? -1 : 1;
  if (d > 0 && sign * v >= lo && sign * v <= hi) return 0;
  if (d === 1 && v === 0) return Infinity;
  for (let k = 1; d + k <= MAX_INTEGER_DIGITS; k++) {
    const a = v * POW10[k];
    const b = a + POW10[k] - 1;
    const [x, y] = neg ? [-b, -a] : [a, b];
    if (y >= lo && x <= hi) return k;
  }
  return Infinity;
}

export class Grammar {
  /** minLen[n]: bytes of the shortest value of node n. */
  readonly minLen: number[];
  /** For object nodes: reqCost[n][j] = bytes of the required properties from j on (with commas). */
  private readonly reqCost: number[][];

  constructor(
    readonly nodes: readonly GrammarNode[],
    readonly seqs: ReadonlyArray<readonly SeqPart[]> = [],
  ) {
    this.minLen = computeMinLengths(nodes);
    this.reqCost = nodes.map((node) => {
      if (node.kind !== 'object') return [];
      const cost = new Array<number>(node.props.length + 1).fill(0);
      let any = false;
      for (let j = node.props.length - 1; j >= 0; j--) {
        const p = node.props[j];
        if (!p.required) cost[j] = cost[j + 1];
        else {
          cost[j] = p.key.length + 1 + this.minLen[p.node] + (any ? 1 : 0) + cost[j + 1];
          any = true;
        }
      }
      return cost;
    });
  }

  /** The start state: one value of `node` (then nothing). */
  startValue(node: number): Stack[] {
    return [mk({ t: 'val', n: node, ws: 0 }, null)];
  }

  /** The start state of sequence `s`. */
  startSeq(s: number): Stack[] {
    const out: Stack[] = [];
    this.enterSeq(s, 0, null, out);
    return out;
  }

  /** Free text until the special token `trigger`, then sequence `s`. */
  startFree(trigger: number, s: number): Stack[] {
    return [mk({ t: 'free', trigger, s }, null)];
  }

  /** The alternatives after one byte (empty: the byte is not allowed). */
  stepByte(alts: readonly Stack[], b: number): Stack[] {
    // A single alternative (the common case) memoises its transitions: a mask walk steps the same
    // state with the same byte over and over (every character inside a string).
    if (alts.length === 1) {
      let row = this.transitions.get(alts[0]);
      if (!row) this.transitions.set(alts[0], (row = new Array<Stack[] | undefined>(256)));
      const known = row[b];
      if (known) return known;
      const out: Stack[] = [];
      this.step(alts[0], b, out);
      return (row[b] = dedupe(out));
    }
    const out: Stack[] = [];
    for (const s of alts) this.step(s, b, out);
    return dedupe(out);
  }

  private readonly transitions = new WeakMap<Stack, Array<Stack[] | undefined>>();

  stepBytes(alts: readonly Stack[], bytes: Uint8Array): Stack[] {
    let cur = alts as Stack[];
    for (let i = 0; i < bytes.length && cur.length > 0; i++) cur = this.stepByte(cur, bytes[i]);
    return cur;
  }

  /** The alternatives after a special token (markers of a tool call). */
  stepSpecial(alts: readonly Stack[], id: number): Stack[] {
    const out: Stack[] = [];
    for (const s of alts) {
      const f = s.f;
      if (f.t === 'sp' && f.id === id) this.complete(s.up, out);
      else if (f.t === 'free') {
        if (id === f.trigger) this.enterSeq(f.s, 0, s.up, out);
        else out.push(s);
      }
    }
    return dedupe(out);
  }

  /** May the output end here (EOS allowed)? */
  canEnd(alts: readonly Stack[]): boolean {
    return alts.some((s) => s === DONE || (s.up === null && (s.f.t === 'free' || s.f.t === 'done' || (s.f.t === 'num' && this.numberEnds(s.f)))));
  }

  /** May this number end here? */
  private numberEnds(f: Extract<Frame, { t: 'num' }>): boolean {
    if (!NUM_ACCEPTS.has(f.st)) return false;
    const node = this.nodes[f.n] as NumberNode;
    return !isBounded(node) || digitsToRange(node, f.v, f.d, f.neg) === 0;
  }

  /** Nothing but the end can follow. */
  finished(alts: readonly Stack[]): boolean {
    return alts.length > 0 && alts.every((s) => s.f.t === 'done');
  }

  /**
   * Inside an unbounded string, between characters: any token of plain ASCII (no quote, backslash
   * or control character) leaves the state exactly as it is.
   */
  inFreeString(alts: readonly Stack[]): boolean {
    if (alts.length !== 1) return false;
    const f = alts[0].f;
    if (f.t !== 'str' || f.esc !== 0 || f.u8 !== 0) return false;
    const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'string' }>;
    return node.min === 0 && node.max === Infinity;
  }

  /** Only free text is possible: no mask needed. */
  isFree(alts: readonly Stack[]): boolean {
    return alts.length > 0 && alts.every((s) => s.f.t === 'free');
  }

  /** The fewest bytes (special tokens count 1) that complete the output from this state. */
  minClose(alts: readonly Stack[]): number {
    if (alts.length === 1) {
      let n = this.closeCache.get(alts[0]);
      if (n === undefined) this.closeCache.set(alts[0], (n = this.minCloseOf(alts)));
      return n;
    }
    return this.minCloseOf(alts);
  }

  private readonly closeCache = new WeakMap<Stack, number>();

  private minCloseOf(alts: readonly Stack[]): number {
    let best = Infinity;
    for (const s of alts) {
      let n = this.need(s.f);
      for (let up = s.up; up && n < best; up = up.up) n += this.after(up.f);
      if (n < best) best = n;
    }
    return best;
  }

  private afterObjValue(n: number, next: number): number {
    const node = this.nodes[n] as Extract<GrammarNode, { kind: 'object' }>;
    if (node.extra >= 0) return 1;
    const req = this.reqCost[n][next];
    return req > 0 ? 1 + req + 1 : 1;
  }

  private arrRest(n: number, count: number): number {
    const node = this.nodes[n] as Extract<GrammarNode, { kind: 'array' }>;
    const missing = Math.max(0, node.min - count);
    return missing * (this.minLen[node.items] + 1) + 1;
  }

  /** Bytes to finish the top frame itself. */
  private need(f: Frame): number {
    switch (f.t) {
      case 'done':
      case 'free':
        return 0;
      case 'val':
        return this.minLen[f.n];
      case 'obj': {
        const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'object' }>;
        const extra = node.extra >= 0;
        switch (f.st) {
          case 'open':
            return extra ? 1 : this.reqCost[f.n][f.j] + 1;
          case 'after':
            return this.afterObjValue(f.n, f.j);
          case 'comma': {
            if (extra) return 3 + this.minLen[node.extra] + 1;
            if (this.reqCost[f.n][f.j] > 0) return this.reqCost[f.n][f.j] + 1;
            let m = Infinity;
            for (let k = f.j; k < node.props.length; k++) m = Math.min(m, node.props[k].key.length + 1 + this.minLen[node.props[k].node]);
            return m + 1;
          }
          case 'colon':
            return 1 + this.minLen[extra ? node.extra : node.props[f.j].node] + (extra ? 1 : this.afterObjValue(f.n, f.j + 1));
          default:
            return 0;
        }
      }
      case 'arr': {
        const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'array' }>;
        if (f.st === 'open') return node.min === 0 ? 1 : this.arrRest(f.n, 0) - 1;
        if (f.st === 'after') return this.arrRest(f.n, f.c);
        if (f.st === 'item') return this.minLen[node.items] + this.arrRest(f.n, f.c + 1);
        return 0;
      }
      case 'str': {
        const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'string' }>;
        return f.u8 + (f.esc === 1 ? 1 : f.esc >= 2 ? 6 - f.esc : 0) + Math.max(0, node.min - f.len) + 1;
      }
      case 'num': {
        const node = this.nodes[f.n] as NumberNode;
        if (isBounded(node)) return digitsToRange(node, f.v, f.d, f.neg);
        return NUM_ACCEPTS.has(f.st) ? 0 : 1;
      }
      case 'lit':
        return f.b.length - f.p;
      case 'sp':
        return 1;
      case 'seq':
        return this.seqRest(f.s, f.i);
    }
  }

  /** Bytes a waiting frame needs once the value above it completes. */
  private after(f: Frame): number {
    if (f.t === 'obj') {
      const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'object' }>;
      const extra = node.extra >= 0;
      if (f.st === 'key') return 1 + this.minLen[extra ? node.extra : node.props[f.j].node] + (extra ? 1 : this.afterObjValue(f.n, f.j + 1));
      return extra ? 1 : this.afterObjValue(f.n, f.j + 1);
    }
    if (f.t === 'arr') return this.arrRest(f.n, f.c + 1);
    if (f.t === 'seq') return this.seqRest(f.s, f.i + 1);
    return 0;
  }

  private seqRest(s: number, from: number): number {
    let n = 0;
    for (const part of this.seqs[s].slice(from)) n += 'special' in part ? 1 : 'bytes' in part ? part.bytes.length : this.minLen[part.node];
    return n;
  }

  private enterSeq(s: number, i: number, up: Stack | null, out: Stack[]): void {
    const parts = this.seqs[s];
    if (i >= parts.length) return this.complete(up, out);
    const here = mk({ t: 'seq', s, i }, up);
    const part = parts[i];
    if ('special' in part) out.push(mk({ t: 'sp', id: part.special }, here));
    else if ('bytes' in part) out.push(mk({ t: 'lit', b: part.bytes, p: 0 }, here));
    else out.push(mk({ t: 'val', n: part.node, ws: 0 }, here));
  }

  /** A value just ended: advance the frame that was waiting for it. */
  private complete(up: Stack | null, out: Stack[]): void {
    if (!up) {
      out.push(DONE);
      return;
    }
    const f = up.f;
    if (f.t === 'obj') {
      const extra = (this.nodes[f.n] as Extract<GrammarNode, { kind: 'object' }>).extra >= 0;
      if (f.st === 'key') out.push(mk({ ...f, st: 'colon', ws: 0 }, up.up));
      else out.push(mk({ ...f, st: 'after', j: extra ? 0 : f.j + 1, ws: 0 }, up.up));
    } else if (f.t === 'arr') {
      out.push(mk({ ...f, st: 'after', c: f.c + 1, ws: 0 }, up.up));
    } else if (f.t === 'seq') {
      this.enterSeq(f.s, f.i + 1, up.up, out);
    }
  }

  /** Starts a value of node `n` with byte `b`. */
  private start(n: number, b: number, up: Stack | null, out: Stack[]): void {
    const node = this.nodes[n];
    switch (node.kind) {
      case 'union':
        for (const o of node.options) this.start(o, b, up, out);
        return;
      case 'object':
        if (b === 0x7b) out.push(mk({ t: 'obj', n, st: 'open', j: 0, ws: 0 }, up));
        return;
      case 'array':
        if (b === 0x5b) out.push(mk({ t: 'arr', n, st: 'open', c: 0, ws: 0 }, up));
        return;
      case 'string':
        if (b === 0x22) out.push(mk({ t: 'str', n, esc: 0, u8: 0, len: 0 }, up));
        return;
      case 'number': {
        const bounded = isBounded(node);
        const ok = (v: number, d: number, neg: boolean) => !bounded || digitsToRange(node, v, d, neg) !== Infinity;
        const num = (st: NumStage, d: number, v: number, neg: boolean) => mk({ t: 'num', n, st, d, v: bounded ? v : 0, neg: bounded && neg }, up);
        if (b === 0x2d && !node.nonNegative && ok(0, 0, true)) out.push(num('sign', 0, 0, true));
        else if (b === 0x30 && ok(0, 1, false)) out.push(num('zero', 1, 0, false));
        else if (isDigit(b) && b !== 0x30 && ok(b - 0x30, 1, false)) out.push(num('int', 1, b - 0x30, false));
        return;
      }
      case 'literal':
        if (b !== node.bytes[0]) return;
        if (node.bytes.length === 1) this.complete(up, out);
        else out.push(mk({ t: 'lit', b: node.bytes, p: 1 }, up));
        return;
    }
  }

  private step(s: Stack, b: number, out: Stack[]): void {
    const f = s.f;
    switch (f.t) {
      case 'done':
      case 'sp':
        return;
      case 'free':
        out.push(s);
        return;
      case 'seq':
        return;
      case 'val':
        if (isWs(b)) {
          if (f.ws < MAX_WS) out.push(mk({ ...f, ws: f.ws + 1 }, s.up));
          return;
        }
        return this.start(f.n, b, s.up, out);
      case 'lit':
        if (b !== f.b[f.p]) return;
        if (f.p + 1 === f.b.length) this.complete(s.up, out);
        else out.push(mk({ ...f, p: f.p + 1 }, s.up));
        return;
      case 'str':
        return this.stepString(s, f, b, out);
      case 'num':
        return this.stepNumber(s, f, b, out);
      case 'obj':
        return this.stepObject(s, f, b, out);
      case 'arr':
        return this.stepArray(s, f, b, out);
    }
  }

  private stepString(s: Stack, f: Extract<Frame, { t: 'str' }>, b: number, out: Stack[]): void {
    const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'string' }>;
    const next = (changes: Partial<Extract<Frame, { t: 'str' }>>): void => {
      const same = (changes.esc ?? f.esc) === f.esc && (changes.u8 ?? f.u8) === f.u8 && (changes.len ?? f.len) === f.len;
      out.push(same ? s : mk({ ...f, ...changes }, s.up));
    };
    if (f.u8 > 0) {
      if (b >= 0x80 && b <= 0xbf) next({ u8: f.u8 - 1 });
      return;
    }
    if (f.esc === 1) {
      if (ESCAPABLE.has(b)) next({ esc: 0 });
      else if (b === 0x75) next({ esc: 2 });
      return;
    }
    if (f.esc >= 2) {
      if (isHex(b)) next({ esc: f.esc === 5 ? 0 : f.esc + 1 });
      return;
    }
    if (b === 0x22) {
      if (f.len >= node.min) this.complete(s.up, out);
      return;
    }
    if (f.len >= node.max) return;
    // Count characters only when a length bound needs them, so a free string keeps one state (and one cached mask).
    const len = node.min > 0 || node.max !== Infinity ? f.len + 1 : 0;
    if (b === 0x5c) next({ esc: 1, len });
    else if (b < 0x20) return;
    else if (b < 0x80) next({ len });
    else if (b >= 0xc2 && b <= 0xdf) next({ u8: 1, len });
    else if (b >= 0xe0 && b <= 0xef) next({ u8: 2, len });
    else if (b >= 0xf0 && b <= 0xf4) next({ u8: 3, len });
  }

  private stepNumber(s: Stack, f: Extract<Frame, { t: 'num' }>, b: number, out: Stack[]): void {
    const node = this.nodes[f.n] as NumberNode;
    const integer = node.integer;
    const maxInt = integer ? MAX_INTEGER_DIGITS : MAX_INT_DIGITS;
    const bounded = isBounded(node);
    const to = (st: NumStage, d: number): void => {
      out.push(mk({ ...f, st, d }, s.up));
    };
    /** One more digit of the integer part, if the bounds can still be met. */
    const intDigit = (st: 'zero' | 'int', d: number): void => {
      const v = bounded ? f.v * 10 + (b - 0x30) : 0;
      if (!bounded || digitsToRange(node, v, d, f.neg) !== Infinity) out.push(mk({ ...f, st, d, v }, s.up));
    };
    const digit = isDigit(b);
    switch (f.st) {
      case 'sign':
        if (b === 0x30) return intDigit('zero', 1);
        if (digit) return intDigit('int', 1);
        return;
      case 'int':
        if (digit) {
          if (f.d < maxInt) intDigit('int', f.d + 1);
          return;
        }
        break;
      case 'dot':
        if (digit) return to('frac', 1);
        return;
      case 'frac':
        if (digit) {
          if (f.d < MAX_FRAC_DIGITS) to('frac', f.d + 1);
          return;
        }
        break;
      case 'e':
        if (b === 0x2b || b === 0x2d) return to('esign', 0);
        if (digit) return to('exp', 1);
        return;
      case 'esign':
        if (digit) return to('exp', 1);
        return;
      case 'exp':
        if (digit) {
          if (f.d < MAX_EXP_DIGITS) to('exp', f.d + 1);
          return;
        }
        break;
      case 'zero':
        break;
    }
    // An accepting number ends at a byte that cannot continue it; that byte belongs to the parent.
    if (!integer && (f.st === 'zero' || f.st === 'int')) {
      if (b === 0x2e) return to('dot', 0);
      if (b === 0x65 || b === 0x45) return to('e', 0);
    }
    if (!integer && f.st === 'frac' && (b === 0x65 || b === 0x45)) return to('e', 0);
    if (!this.numberEnds(f)) return;
    const parents: Stack[] = [];
    this.complete(s.up, parents);
    for (const p of parents) this.step(p, b, out);
  }

  private stepObject(s: Stack, f: Extract<Frame, { t: 'obj' }>, b: number, out: Stack[]): void {
    const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'object' }>;
    const extra = node.extra >= 0;
    if (isWs(b)) {
      if (f.ws < MAX_WS && f.st !== 'key' && f.st !== 'val') out.push(mk({ ...f, ws: f.ws + 1 }, s.up));
      return;
    }
    const here = (changes: Partial<Extract<Frame, { t: 'obj' }>>) => mk({ ...f, ws: 0, ...changes }, s.up);
    if (f.st === 'colon') {
      if (b === 0x3a) out.push(mk({ t: 'val', n: extra ? node.extra : node.props[f.j].node, ws: 0 }, here({ st: 'val' })));
      return;
    }
    const requiredLeft = !extra && this.reqCost[f.n][f.j] > 0;
    if (b === 0x7d && (f.st === 'open' || f.st === 'after') && !requiredLeft) return this.complete(s.up, out);
    if (b === 0x2c && f.st === 'after' && (extra || f.j < node.props.length)) {
      out.push(here({ st: 'comma' }));
      return;
    }
    if (b === 0x22 && (f.st === 'open' || f.st === 'comma')) {
      if (extra) {
        out.push(mk({ t: 'str', n: KEY_STRING, esc: 0, u8: 0, len: 0 }, here({ st: 'key' })));
        return;
      }
      for (let j = f.j; j < node.props.length; j++) {
        out.push(mk({ t: 'lit', b: node.props[j].key, p: 1 }, here({ st: 'key', j })));
        if (node.props[j].required) break;
      }
    }
  }

  private stepArray(s: Stack, f: Extract<Frame, { t: 'arr' }>, b: number, out: Stack[]): void {
    const node = this.nodes[f.n] as Extract<GrammarNode, { kind: 'array' }>;
    if (isWs(b)) {
      if (f.ws < MAX_WS && f.st !== 'val') out.push(mk({ ...f, ws: f.ws + 1 }, s.up));
      return;
    }
    const here = (changes: Partial<Extract<Frame, { t: 'arr' }>>) => mk({ ...f, ws: 0, ...changes }, s.up);
    if (f.st === 'open' || f.st === 'after') {
      if (b === 0x5d && f.c >= node.min) return this.complete(s.up, out);
      if (f.st === 'after') {
        if (b === 0x2c && f.c < node.max) out.push(here({ st: 'item' }));
        return;
      }
    }
    if ((f.st === 'open' && node.max > 0) || f.st === 'item') this.start(node.items, b, here({ st: 'val' }), out);
  }
}

/** Node 0 of every grammar: the strings used as free object keys. */
export const KEY_STRING = 0;

function dedupe(stacks: Stack[]): Stack[] {
  if (stacks.length < 2) return stacks;
  const seen = new Set<string>();
  return stacks.filter((s) => (seen.has(s.key) ? false : (seen.add(s.key), true)));
}

function computeMinLengths(nodes: readonly GrammarNode[]): number[] {
  const min = nodes.map(() => Infinity);
  for (let changed = true, round = 0; changed && round < 200; round++) {
    changed = false;
    nodes.forEach((node, n) => {
      let v: number;
      switch (node.kind) {
        case 'literal':
          v = node.bytes.length;
          break;
        case 'string':
          v = 2 + node.min;
          break;
        case 'number':
          v = node.lo !== undefined && node.lo > 0 ? String(node.lo).length : node.hi !== undefined && node.hi < 0 ? 1 + String(-node.hi).length : 1;
          break;
        case 'union':
          v = Math.min(...node.options.map((o) => min[o]));
          break;
        case 'array':
          v = node.min === 0 ? 2 : 2 + node.min * min[node.items] + node.min - 1;
          break;
        case 'object': {
          if (node.extra >= 0) {
            v = 2;
            break;
          }
          const req = node.props.filter((p) => p.required);
          v = 2 + req.reduce((sum, p) => sum + p.key.length + 1 + min[p.node], 0) + Math.max(0, req.length - 1);
          break;
        }
      }
      if (v < min[n]) {
        min[n] = v;
        changed = true;
      }
    });
  }
  return min;
}
