/**
 * TeX as readable Unicode text, for the math models write in answers ($\frac{a}{b}$,
 * \times, x^2, \sqrt{}): not a typesetter, just enough that formulas read naturally.
 */
const SYMBOLS: Record<string, string> = {
  times: '×', cdot: '·', div: '÷', pm: '±', mp: '∓', le: '≤', leq: '≤', ge: '≥', geq: '≥', neq: '≠', ne: '≠',
  approx: '≈', equiv: '≡', sim: '∼', propto: '∝', infty: '∞', to: '→', rightarrow: '→', leftarrow: '←',
  Rightarrow: '⇒', implies: '⇒', iff: '⇔', in: '∈', notin: '∉', subset: '⊂', cup: '∪', cap: '∩', forall: '∀',
  exists: '∃', neg: '¬', land: '∧', lor: '∨', sum: '∑', prod: '∏', int: '∫', partial: '∂', nabla: '∇',
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', theta: 'θ', lambda: 'λ', mu: 'μ', pi: 'π',
  rho: 'ρ', sigma: 'σ', tau: 'τ', phi: 'φ', omega: 'ω', Delta: 'Δ', Sigma: 'Σ', Omega: 'Ω', Pi: 'Π',
  ldots: '…', cdots: '⋯', dots: '…', circ: '∘', degree: '°', percent: '%', quad: ' ', qquad: '  ',
  log: 'log', ln: 'ln', sin: 'sin', cos: 'cos', tan: 'tan', exp: 'exp', min: 'min', max: 'max', lim: 'lim',
  left: '', right: '', big: '', Big: '', displaystyle: '', mod: 'mod', gcd: 'gcd',
};
const SUP: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '+': '⁺', '-': '⁻', '=': '⁼', '(': '⁽', ')': '⁾', n: 'ⁿ', i: 'ⁱ', x: 'ˣ', k: 'ᵏ', t: 'ᵗ',
};
const SUB: Record<string, string> = {
  '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
  '+': '₊', '-': '₋', '=': '₌', '(': '₍', ')': '₎', n: 'ₙ', i: 'ᵢ', k: 'ₖ', x: 'ₓ',
};

export function texToText(tex: string): string {
  let i = 0;
  const group = (): string => {
    while (tex[i] === ' ') i++;
    if (tex[i] === '{') {
      i++;
      let depth = 1;
      const start = i;
      while (i < tex.length && depth) {
        if (tex[i] === '{') depth++;
        else if (tex[i] === '}') depth--;
        i++;
      }
      return convert(tex.slice(start, depth ? i : i - 1));
    }
    if (tex[i] === '\\') {
      const m = /^\\([A-Za-z]+|.)/.exec(tex.slice(i));
      i += m ? m[0].length : 1;
      return m ? command(m[1]) : '';
    }
    return tex[i++] ?? '';
  };
  const command = (name: string): string => {
    if (name in SYMBOLS) return SYMBOLS[name];
    if (name === 'frac' || name === 'dfrac' || name === 'tfrac') {
      const a = group();
      const b = group();
      return `${wrap(a)}/${wrap(b)}`;
    }
    if (name === 'sqrt') return `√${wrap(group())}`;
    if (name === 'text' || name === 'mathrm' || name === 'mathbf' || name === 'textbf' || name === 'mathit' || name === 'operatorname') return group();
    if (name === 'boxed') return `[${group()}]`;
    if (name === ',' || name === ';' || name === ' ' || name === '!') return ' ';
    if (name === '{' || name === '}' || name === '%' || name === '$' || name === '#' || name === '&' || name === '_') return name;
    if (name === '\\') return '\n';
    return name;
  };
  const convert = (s: string): string => texToText(s);
  let out = '';
  while (i < tex.length) {
    const c = tex[i];
    if (c === '^' || c === '_') {
      i++;
      const arg = group();
      const table = c === '^' ? SUP : SUB;
      const mapped = [...arg].every((ch) => ch in table) ? [...arg].map((ch) => table[ch]).join('') : null;
      out += mapped ?? `${c}${wrap(arg)}`;
    } else if (c === '{' || c === '\\') {
      out += group();
    } else if (c === '}' || c === '&') {
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/[ \t]{2,}/g, ' ');
}

function wrap(s: string): string {
  return /^√?[\p{L}\p{N}.]+$/u.test(s) ? s : `(${s})`;
}
