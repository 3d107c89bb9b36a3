import {
  INSTRUCTIONS,
  MESSAGE_ROLES,
  type Diagnostic,
  type Instruction,
  type InstructionNode,
  type MessageRole,
  type ModelfileNode,
  type ParsedModelfile,
  type Pos,
} from './ast';
import { closest, isAlpha, isBlank, isGoSpace, isParamChar, normaliseNewlines } from './text';

/**
 * A Modelfile parser of our own that accepts exactly what Ollama's parser (parser/parser.go)
 * accepts, but keeps going after a mistake and says where it is and what was expected.
 *
 * Ollama's rules, reproduced here:
 * - instructions are case-insensitive words followed by blanks; `#` starts a comment only at
 *   the start of a line (a `#` later on a line is part of the value);
 * - a value runs to the end of the line and is trimmed, unless it starts with `"` or `"""`:
 *   then it runs to the first line end where the trimmed text so far ends with the same quote
 *   (so quoted values may span lines); there are no escape sequences;
 * - PARAMETER names use letters, digits and `_`; MESSAGE roles are system, user, assistant.
 */

const EXAMPLES: Record<Instruction, string> = {
  FROM: 'FROM phi4-mini',
  PARAMETER: 'PARAMETER temperature 0.7',
  TEMPLATE: 'TEMPLATE """{{ .Prompt }}"""',
  SYSTEM: 'SYSTEM """You are a helpful assistant."""',
  ADAPTER: 'ADAPTER ./adapter.gguf',
  LICENSE: 'LICENSE """MIT License"""',
  MESSAGE: 'MESSAGE user Is Toronto in Canada?',
  REQUIRES: 'REQUIRES 0.6.0',
  RENDERER: 'RENDERER qwen3-coder',
  PARSER: 'PARSER qwen3-coder',
};

const VALUE_NAMES: Record<Instruction, string> = {
  FROM: 'the model to build on',
  PARAMETER: 'a parameter name and value',
  TEMPLATE: 'the prompt template',
  SYSTEM: 'the system prompt',
  ADAPTER: 'the path of a LoRA adapter',
  LICENSE: 'the license text',
  MESSAGE: 'a role and a message',
  REQUIRES: 'the minimum Ollama version',
  RENDERER: 'the renderer name',
  PARSER: 'the parser name',
};

export function instructionExample(i: Instruction): string {
  return EXAMPLES[i];
}

class Cursor {
  private lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }
  pos(offset: number): Pos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1, offset };
  }
  eol(from: number): number {
    const i = this.text.indexOf('\n', from);
    return i === -1 ? this.text.length : i;
  }
}

/** Maps offsets into normalised Modelfile text to lines and columns. */
export function positioner(text: string): (offset: number) => Pos {
  const c = new Cursor(text);
  return (offset) => c.pos(offset);
}

export function parseModelfile(source: string): ParsedModelfile {
  const text = normaliseNewlines(source);
  const cur = new Cursor(text);
  const nodes: ModelfileNode[] = [];
  const diagnostics: Diagnostic[] = [];
  const n = text.length;

  const report = (
    offset: number,
    length: number,
    code: string,
    message: string,
    hint?: string,
    severity: Diagnostic['severity'] = 'error',
  ) => {
    const p = cur.pos(offset);
    diagnostics.push({ severity, code, message, ...(hint ? { hint } : {}), ...p, length: Math.max(1, length) });
  };

  let i = 0;
  while (i < n) {
    const lineStart = i;
    while (i < n && isBlank(text[i])) i++;
    if (i >= n) break;
    const ch = text[i];
    if (ch === '\n') {
      nodes.push({ type: 'blank', pos: cur.pos(lineStart) });
      i++;
      continue;
    }
    if (ch === '#') {
      const eol = cur.eol(i);
      nodes.push({ type: 'comment', text: text.slice(i + 1, eol), pos: cur.pos(i) });
      i = eol + 1;
      continue;
    }

    // Instruction keyword.
    const kwStart = i;
    while (i < n && isAlpha(text[i])) i++;
    const word = text.slice(kwStart, i);
    if (!word) {
      const eol = cur.eol(i);
      const found = text.slice(i, Math.min(eol, i + 20));
      report(
        i,
        eol - i,
        'expected-instruction',
        `Expected an instruction such as FROM or PARAMETER at the start of the line, found "${found}".`,
        'If this line belongs to the text above it, put that whole text between triple quotes: SYSTEM """ … """.',
      );
      i = eol + 1;
      continue;
    }
    const instruction = INSTRUCTIONS.find((k) => k === word.toUpperCase());
    if (!instruction) {
      const eol = cur.eol(i);
      const guess = closest(word, INSTRUCTIONS);
      report(
        kwStart,
        word.length,
        'unknown-instruction',
        `Unknown instruction "${word}": expected ${INSTRUCTIONS.slice(0, -1).join(', ')} or ${INSTRUCTIONS.at(-1)}.`,
        guess ? `Did you mean ${guess}?` : 'Comments start with # at the beginning of a line.',
      );
      i = eol + 1;
      continue;
    }
    if (!isBlank(text[i])) {
      const eol = cur.eol(i);
      if (i >= n || text[i] === '\n') {
        report(
          kwStart,
          word.length,
          'missing-value',
          `${instruction} needs ${VALUE_NAMES[instruction]}, e.g. ${EXAMPLES[instruction]}.`,
        );
      } else {
        report(i, 1, 'expected-space', `Expected a space after ${instruction}, found "${text[i]}".`, `Write it as: ${EXAMPLES[instruction]}`);
      }
      i = eol + 1;
      continue;
    }
    while (i < n && isBlank(text[i])) i++;

    let name: string | undefined;
    let role: MessageRole | undefined;
    let namePos: Pos | undefined;
    if (instruction === 'PARAMETER' || instruction === 'MESSAGE') {
      const tokStart = i;
      const accept = instruction === 'PARAMETER' ? isParamChar : isAlpha;
      while (i < n && accept(text[i])) i++;
      const token = text.slice(tokStart, i);
      const eol = cur.eol(i);
      if (!token) {
        report(kwStart, word.length, 'missing-value', `${instruction} needs ${VALUE_NAMES[instruction]}, e.g. ${EXAMPLES[instruction]}.`);
        i = eol + 1;
        continue;
      }
      if (i < n && text[i] !== '\n' && !isBlank(text[i])) {
        let end = i;
        while (end < eol && !isBlank(text[end])) end++;
        const bad = text.slice(tokStart, end);
        if (instruction === 'PARAMETER') {
          report(
            tokStart,
            end - tokStart,
            'invalid-parameter-name',
            `"${bad}" is not a valid parameter name: names use letters, digits and _ (e.g. top_p).`,
          );
        } else {
          report(tokStart, end - tokStart, 'invalid-role', `Unknown message role "${bad}": expected system, user or assistant.`);
        }
        i = eol + 1;
        continue;
      }
      namePos = cur.pos(tokStart);
      if (instruction === 'MESSAGE') {
        if (!(MESSAGE_ROLES as readonly string[]).includes(token)) {
          const lower = token.toLowerCase();
          report(
            tokStart,
            token.length,
            'invalid-role',
            `Unknown message role "${token}": expected system, user or assistant.`,
            (MESSAGE_ROLES as readonly string[]).includes(lower) ? `Roles are lowercase: write "${lower}".` : undefined,
          );
          i = eol + 1;
          continue;
        }
        role = token as MessageRole;
      } else {
        name = token;
      }
      if (!isBlank(text[i])) {
        report(
          tokStart,
          token.length,
          'missing-value',
          instruction === 'PARAMETER'
            ? `PARAMETER ${token} needs a value, e.g. PARAMETER ${token} ${token === 'stop' ? '"<|end|>"' : '0.7'}.`
            : `MESSAGE ${token} needs the text of the message after the role.`,
        );
        i = eol + 1;
        continue;
      }
      while (i < n && isBlank(text[i])) i++;
    }

    const valueStart = i;
    const read = readValue(text, cur, valueStart);
    if ('error' in read) {
      report(read.error.offset, read.error.length, read.error.code, read.error.message, read.error.hint);
      i = read.resume;
      continue;
    }
    if (read.warning) {
      report(read.warning.offset, read.warning.length, read.warning.code, read.warning.message, read.warning.hint, 'warning');
    }
    const node: InstructionNode = {
      type: 'instruction',
      instruction,
      value: read.value,
      quote: read.quote,
      pos: cur.pos(kwStart),
      valuePos: cur.pos(valueStart),
      end: cur.pos(read.end),
    };
    if (name !== undefined) node.name = name;
    if (role !== undefined) node.role = role;
    if (namePos !== undefined) node.namePos = namePos;
    nodes.push(node);
    i = read.end < n ? read.end + 1 : n;
  }
  return { text, nodes, diagnostics };
}

interface Problem {
  offset: number;
  length: number;
  code: string;
  message: string;
  hint?: string;
}

type ValueRead =
  | { value: string; quote: InstructionNode['quote']; end: number; warning?: Problem }
  | { error: Problem; resume: number };

function readValue(text: string, cur: Cursor, start: number): ValueRead {
  const n = text.length;
  const q = text.startsWith('"""', start) ? 3 : text[start] === '"' ? 1 : 0;
  if (q === 0) {
    const eol = cur.eol(start);
    let a = start;
    let b = eol;
    while (a < b && isGoSpace(text[a])) a++;
    while (b > a && isGoSpace(text[b - 1])) b--;
    return { value: text.slice(a, b), quote: 'none', end: eol };
  }
  const quotes = '"'.repeat(q);
  let from = start;
  for (;;) {
    const eol = cur.eol(from);
    // Ollama trims the whole value before checking for the closing quote.
    let b = eol;
    while (b > start && isGoSpace(text[b - 1])) b--;
    if (b - start >= 2 * q && text.slice(b - q, b) === quotes) {
      const firstEol = cur.eol(start);
      const value = text.slice(start + q, b - q);
      const read: ValueRead = { value, quote: q === 3 ? 'triple' : 'double', end: eol };
      if (eol > firstEol) {
        const early = trailingTextAfterQuote(text, start, q, firstEol);
        if (early) {
          read.warning = {
            ...early,
            code: 'quote-runs-on',
            message: `This text continues past line ${cur.pos(start).line} because the closing ${quotes} is followed by more text, so the lines below become part of it.`,
            hint: `End the value with ${quotes} at the end of a line, with nothing after it.`,
          };
        }
      }
      return read;
    }
    if (eol >= n) break;
    from = eol + 1;
  }
  const firstEol = cur.eol(start);
  const early = trailingTextAfterQuote(text, start, q, firstEol);
  if (early) {
    return {
      error: {
        ...early,
        code: 'text-after-quote',
        message: `Unexpected text after the closing ${quotes}: the whole value must be inside the quotes.`,
        hint: `Move the text inside the quotes, or remove the quotes if the value fits on one line.`,
      },
      resume: firstEol + 1,
    };
  }
  return {
    error: {
      offset: start,
      length: q,
      code: 'unterminated-quote',
      message: `This ${quotes} is never closed: add ${quotes} at the end of the value's last line.`,
      hint: q === 1 ? 'Use triple quotes """ … """ for a value that contains quotes or spans lines.' : undefined,
    },
    resume: n,
  };
}

/** Where a closing quote on the value's first line is followed by more text, if anywhere. */
function trailingTextAfterQuote(text: string, start: number, q: number, firstEol: number): Omit<Problem, 'code' | 'message'> | null {
  const quotes = '"'.repeat(q);
  const close = text.indexOf(quotes, start + q);
  if (close === -1 || close >= firstEol) return null;
  let after = close + q;
  while (after < firstEol && text[after] === '"') after++;
  while (after < firstEol && isBlank(text[after])) after++;
  if (after >= firstEol) return null;
  return { offset: after, length: firstEol - after };
}
