import { instructionNodes, type Diagnostic, type InstructionNode, type ParsedModelfile, type Pos } from './ast';
import { checkParam, DEPRECATED_PARAMS, PARAMS } from './params';
import { parseModelfile, positioner } from './parse';
import { closest } from './text';

/** A model name Ollama accepts: [host/][namespace/]model[:tag]. */
const MODEL_NAME_RE = /^([A-Za-z0-9][A-Za-z0-9._-]*(:\d+)?\/)?([A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,79})?$/;
/** golang.org/x/mod/semver after Ollama adds the leading "v". */
const SEMVER_RE =
  /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*)(\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?)?$/;

export function isModelName(s: string): boolean {
  return MODEL_NAME_RE.test(s);
}

/** FROM and ADAPTER values that name files rather than models (Ollama checks the disk). */
export function looksLikePath(s: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(s) || /\.(gguf|bin|safetensors)$/i.test(s) || s === '.';
}

export interface ModelfileAnalysis extends ParsedModelfile {
  /** Parse and validation diagnostics together, in text order. */
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
}

export function analyzeModelfile(source: string): ModelfileAnalysis {
  const parsed = parseModelfile(source);
  const extra = validateModelfile(parsed);
  const diagnostics = [...parsed.diagnostics, ...extra].sort((a, b) => a.offset - b.offset || a.column - b.column);
  return {
    ...parsed,
    diagnostics,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
    warningCount: diagnostics.filter((d) => d.severity === 'warning').length,
  };
}

const QUOTE_LEN = { none: 0, double: 1, triple: 3 } as const;

export function validateModelfile(parsed: ParsedModelfile): Diagnostic[] {
  const at = positioner(parsed.text);
  const out: Diagnostic[] = [];
  const push = (p: Pos, length: number, d: Omit<Diagnostic, 'line' | 'column' | 'offset' | 'length'>) =>
    out.push({ ...d, line: p.line, column: p.column, offset: p.offset, length: Math.max(1, length) });
  const nodes = instructionNodes(parsed.nodes);

  const froms = nodes.filter((n) => n.instruction === 'FROM');
  if (froms.length === 0 && !parsed.diagnostics.some((d) => d.code === 'missing-value' && /^FROM/.test(d.message))) {
    push(at(0), 1, {
      severity: 'error',
      code: 'missing-from',
      message: 'A Modelfile needs a FROM line naming the model to build on, e.g. FROM phi4-mini.',
      field: 'from',
    });
  }
  for (const extraFrom of froms.slice(1)) {
    push(extraFrom.pos, 4, {
      severity: 'error',
      code: 'duplicate-from',
      message: `Only one FROM line is allowed; line ${froms[0].pos.line} already names ${froms[0].value}.`,
      field: 'from',
    });
  }
  for (const f of froms) {
    if (f.value === '') {
      push(f.valuePos, 1, { severity: 'error', code: 'empty-from', message: 'FROM needs a model name, e.g. FROM phi4-mini.', field: 'from' });
    } else if (!looksLikePath(f.value) && !isModelName(f.value)) {
      push(f.valuePos, f.value.length, {
        severity: 'error',
        code: 'invalid-model-name',
        message: `"${f.value}" is not a model name: use letters, digits, ".", "-" and "_", with an optional :tag (e.g. phi4-mini:3.8b-q8_0).`,
        field: 'from',
      });
    }
  }

  const seen = new Map<string, InstructionNode>();
  for (const p of nodes.filter((n) => n.instruction === 'PARAMETER')) {
    const name = p.name ?? '';
    const nameAt = p.namePos ?? p.pos;
    if ((DEPRECATED_PARAMS as readonly string[]).includes(name)) {
      push(nameAt, name.length, {
        severity: 'warning',
        code: 'deprecated-parameter',
        message: `${name} is no longer supported by Ollama and will be ignored.`,
        param: name,
      });
      continue;
    }
    const spec = PARAMS[name];
    if (!spec) {
      const lower = name.toLowerCase();
      const guess = PARAMS[lower] ? lower : closest(name, Object.keys(PARAMS), 3);
      push(nameAt, name.length, {
        severity: 'error',
        code: 'unknown-parameter',
        message: `Unknown parameter "${name}": Ollama would refuse to create the model.`,
        hint: guess ? `Did you mean ${guess}?` : `Known parameters: ${Object.keys(PARAMS).join(', ')}.`,
        param: name,
      });
      continue;
    }
    const check = checkParam(name, p.value);
    const valueAt = p.valuePos;
    const len = Math.max(1, p.value.length + 2 * QUOTE_LEN[p.quote]);
    if (!check.ok) {
      push(valueAt, len, { severity: 'error', code: 'invalid-parameter-value', message: check.message, hint: check.hint, param: name });
    } else if (check.warning) {
      push(valueAt, len, { severity: 'warning', code: 'unusual-parameter-value', message: check.warning, param: name });
    }
    if (!spec.repeatable) {
      const prev = seen.get(name);
      if (prev) {
        push(nameAt, name.length, {
          severity: 'warning',
          code: 'duplicate-parameter',
          message: `${name} is already set on line ${prev.pos.line}; the last value (${p.value}) wins.`,
          param: name,
        });
      }
      seen.set(name, p);
    }
  }

  const adapters = nodes.filter((n) => n.instruction === 'ADAPTER');
  for (const a of adapters.slice(1)) {
    push(a.pos, 7, { severity: 'error', code: 'duplicate-adapter', message: 'Ollama supports only one ADAPTER per model.' });
  }
  for (const a of adapters) {
    if (!a.value) push(a.valuePos, 1, { severity: 'error', code: 'empty-adapter', message: 'ADAPTER needs the path of an adapter file, e.g. ADAPTER ./adapter.gguf.' });
  }

  for (const r of nodes.filter((n) => n.instruction === 'REQUIRES')) {
    if (!SEMVER_RE.test(r.value)) {
      push(r.valuePos, r.value.length, {
        severity: 'error',
        code: 'invalid-version',
        message: `REQUIRES expects an Ollama version such as 0.6.0, got "${r.value}".`,
      });
    }
  }

  for (const m of nodes.filter((n) => n.instruction === 'MESSAGE')) {
    if (!m.value.trim()) {
      push(m.valuePos, 1, { severity: 'warning', code: 'empty-message', message: `This ${m.role} message is empty.` });
    }
  }

  for (const t of nodes.filter((n) => n.instruction === 'TEMPLATE')) {
    const base = t.valuePos.offset + QUOTE_LEN[t.quote];
    for (const problem of checkTemplate(t.value)) {
      push(at(base + problem.index), problem.length, { severity: 'error', code: 'template-syntax', message: problem.message, field: 'template' });
    }
  }
  return out;
}

interface TemplateProblem {
  index: number;
  length: number;
  message: string;
}

/** Go text/template structure: every {{ closes, every if/range/with/block/define has an end. */
export function checkTemplate(tpl: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const stack: Array<{ kw: string; index: number }> = [];
  let i = 0;
  for (;;) {
    const open = tpl.indexOf('{{', i);
    if (open === -1) break;
    const close = tpl.indexOf('}}', open + 2);
    if (close === -1) {
      problems.push({ index: open, length: 2, message: 'This {{ is never closed with }} in the template.' });
      return problems;
    }
    const action = tpl
      .slice(open + 2, close)
      .replace(/^-\s/, '')
      .replace(/\s-$/, '')
      .trim();
    i = close + 2;
    if (action.startsWith('/*')) continue;
    const kw = /^(\w+)/.exec(action)?.[1];
    if (kw === 'if' || kw === 'range' || kw === 'with' || kw === 'block' || kw === 'define') stack.push({ kw, index: open });
    else if (kw === 'end') {
      if (!stack.pop()) problems.push({ index: open, length: close + 2 - open, message: 'This {{ end }} has no matching {{ if }}, {{ range }} or {{ with }}.' });
    } else if (kw === 'else' && stack.length === 0) {
      problems.push({ index: open, length: close + 2 - open, message: 'This {{ else }} is outside any {{ if }}, {{ range }} or {{ with }}.' });
    }
  }
  for (const s of stack) {
    problems.push({ index: s.index, length: 2 + s.kw.length, message: `This {{ ${s.kw} }} is never closed with {{ end }}.` });
  }
  return problems;
}
