import { DeckError } from '../../../shared/errors';

/**
 * A safe arithmetic evaluator for the `calculate` demo tool: a recursive-descent parser over
 * numbers, + - * / % ^ (right-associative), parentheses, unary minus, the constants pi and e
 * and a few functions. No eval(), no property access, nothing but arithmetic.
 */
const FUNCTIONS: Record<string, (x: number) => number> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  round: Math.round,
  floor: Math.floor,
  ceil: Math.ceil,
  ln: Math.log,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  exp: Math.exp,
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
const MAX_LENGTH = 500;
const MAX_DEPTH = 64;

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'op'; value: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(src.slice(i));
      if (!m) throw new DeckError('invalid_input', `Cannot evaluate: malformed number at position ${i + 1}.`);
      tokens.push({ kind: 'num', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[a-z_]/i.test(c)) {
      const m = /^[a-z_][a-z0-9_]*/i.exec(src.slice(i))!;
      tokens.push({ kind: 'id', value: m[0].toLowerCase() });
      i += m[0].length;
    } else if (src.startsWith('**', i)) {
      tokens.push({ kind: 'op', value: '^' });
      i += 2;
    } else if ('+-*/%^(),×÷'.includes(c)) {
      tokens.push({ kind: 'op', value: c === '×' ? '*' : c === '÷' ? '/' : c });
      i++;
    } else {
      throw bad(`the character "${c}" at position ${i + 1}`);
    }
  }
  return tokens;
}

function bad(what: string): DeckError {
  return new DeckError('invalid_input', `Cannot evaluate: unexpected ${what}.`, 'Use numbers, + - * / % ^, parentheses, pi, e and sqrt/abs/round/ln/sin/cos/tan/exp.');
}

export function evaluate(expression: string): number {
  if (expression.length > MAX_LENGTH) throw new DeckError('invalid_input', `Expression longer than ${MAX_LENGTH} characters.`);
  const tokens = tokenize(expression);
  let pos = 0;
  let depth = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => peek()?.kind === 'op' && peek()!.value === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw bad(peek() ? `"${peek()!.value}"` : 'end of expression');
    pos++;
  };
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) throw new DeckError('invalid_input', 'Expression nested too deeply.');
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const sum = (): number =>
    nest(() => {
      let v = product();
      while (isOp('+') || isOp('-')) {
        const op = tokens[pos++].value;
        const r = product();
        v = op === '+' ? v + r : v - r;
      }
      return v;
    });
  const product = (): number => {
    let v = unary();
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[pos++].value;
      const r = unary();
      if ((op === '/' || op === '%') && r === 0) throw new DeckError('invalid_input', 'Division by zero.');
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  };
  const unary = (): number =>
    nest(() => {
      if (isOp('-')) {
        pos++;
        return -unary();
      }
      if (isOp('+')) {
        pos++;
        return unary();
      }
      return power();
    });
  const power = (): number => {
    const base = atom();
    if (isOp('^')) {
      pos++;
      return base ** unary();
    }
    return base;
  };
  const atom = (): number => {
    const t = peek();
    if (!t) throw bad('end of expression');
    pos++;
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op' && t.value === '(') {
      const v = sum();
      expect(')');
      return v;
    }
    if (t.kind === 'id') {
      if (Object.prototype.hasOwnProperty.call(CONSTANTS, t.value)) return CONSTANTS[t.value];
      if (Object.prototype.hasOwnProperty.call(FUNCTIONS, t.value)) {
        expect('(');
        const v = sum();
        expect(')');
        return FUNCTIONS[t.value](v);
      }
      throw new DeckError('invalid_input', `Unknown name "${t.value}".`, `Known: ${[...Object.keys(CONSTANTS), ...Object.keys(FUNCTIONS)].join(', ')}.`);
    }
    throw bad(`"${t.value}"`);
  };

  if (!tokens.length) throw new DeckError('invalid_input', 'Empty expression.');
  const value = sum();
  if (pos < tokens.length) throw bad(`"${tokens[pos].value}"`);
  if (!Number.isFinite(value)) throw new DeckError('invalid_input', 'The result is not a finite number.');
  return value;
}
