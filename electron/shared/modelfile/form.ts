import type { Instruction, InstructionNode, ModelfileNode, Pos } from './ast';
import { COMMON_PARAMS } from './params';
import { summarize } from './to-request';

/**
 * The variant editor's form over a Modelfile. The text stays the source of truth: the form
 * is read from the parsed nodes, and a form edit rewrites only the nodes it owns, so
 * comments, messages, templates and other parameters are kept.
 */
export interface VariantForm {
  from: string;
  system: string;
  /** Raw text of each common parameter; '' means "not set, use the base model's value". */
  params: Record<string, string>;
  stop: string[];
}

const NOWHERE: Pos = { line: 0, column: 0, offset: 0 };

function node(instruction: Instruction, value: string, name?: string): InstructionNode {
  const n: InstructionNode = { type: 'instruction', instruction, value, quote: 'none', pos: NOWHERE, valuePos: NOWHERE, end: NOWHERE };
  if (name !== undefined) n.name = name;
  return n;
}

const isInstr = (n: ModelfileNode, i: Instruction, name?: string): n is InstructionNode =>
  n.type === 'instruction' && n.instruction === i && (name === undefined || n.name === name);

export function readForm(nodes: readonly ModelfileNode[]): VariantForm {
  const s = summarize(nodes);
  const params: Record<string, string> = {};
  for (const k of COMMON_PARAMS) {
    const last = [...s.parameters].reverse().find(([name]) => name === k);
    params[k] = last ? last[1] : '';
  }
  return {
    from: s.from ?? '',
    system: s.system ?? '',
    params,
    stop: s.parameters.filter(([k]) => k === 'stop').map(([, v]) => v),
  };
}

function lastIndex(nodes: readonly ModelfileNode[], pred: (n: ModelfileNode) => boolean): number {
  for (let i = nodes.length - 1; i >= 0; i--) if (pred(nodes[i])) return i;
  return -1;
}

/** Where new PARAMETER / SYSTEM lines go: after the last parameter, else after FROM. */
function anchor(nodes: readonly ModelfileNode[]): number {
  const p = lastIndex(nodes, (n) => isInstr(n, 'PARAMETER'));
  if (p >= 0) return p + 1;
  const f = lastIndex(nodes, (n) => isInstr(n, 'FROM'));
  return f >= 0 ? f + 1 : nodes.length;
}

export function applyForm(nodes: readonly ModelfileNode[], form: VariantForm): ModelfileNode[] {
  let out = [...nodes];

  const fromIdx = lastIndex(out, (n) => isInstr(n, 'FROM'));
  if (fromIdx >= 0) out[fromIdx] = { ...(out[fromIdx] as InstructionNode), value: form.from };
  else if (form.from) {
    const first = out.findIndex((n) => n.type === 'instruction');
    out.splice(first === -1 ? out.length : first, 0, node('FROM', form.from));
  }

  for (const key of COMMON_PARAMS) {
    const value = (form.params[key] ?? '').trim();
    const idx = lastIndex(out, (n) => isInstr(n, 'PARAMETER', key));
    if (!value) {
      out = out.filter((n) => !isInstr(n, 'PARAMETER', key));
    } else if (idx >= 0) {
      out[idx] = { ...(out[idx] as InstructionNode), value };
      out = out.filter((n, i) => i === idx || !isInstr(n, 'PARAMETER', key));
    } else {
      out.splice(anchor(out), 0, node('PARAMETER', value, key));
    }
  }

  const stops = form.stop.filter((s) => s !== '');
  const firstStop = out.findIndex((n) => isInstr(n, 'PARAMETER', 'stop'));
  out = out.filter((n) => !isInstr(n, 'PARAMETER', 'stop'));
  const at = firstStop >= 0 ? Math.min(firstStop, out.length) : anchor(out);
  out.splice(at, 0, ...stops.map((s) => node('PARAMETER', s, 'stop')));

  const sysIdx = lastIndex(out, (n) => isInstr(n, 'SYSTEM'));
  if (!form.system) out = out.filter((n) => !isInstr(n, 'SYSTEM'));
  else if (sysIdx >= 0) out[sysIdx] = { ...(out[sysIdx] as InstructionNode), value: form.system };
  else out.splice(anchor(out), 0, node('SYSTEM', form.system));
  return out;
}
