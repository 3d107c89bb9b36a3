import type { VariantDiff } from '../../shared/contract/ollama';
import { parseModelfile, PARAMS, summarize, typedParameters, type ModelfileSummary } from '../../shared/modelfile';
import type { ShownValue } from './show-parameters';

type Row = VariantDiff['parameters'][number];
type Field = VariantDiff['fields'][number];

const show = (v: ShownValue | undefined): string | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v.map((s) => JSON.stringify(s)).join(', ') : String(v);

/** Numbers compare by value (0.30 equals 0.3), lists by their items in order. */
function same(a: ShownValue, b: ShownValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return JSON.stringify([a].flat().map(String)) === JSON.stringify([b].flat().map(String));
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a) === String(b);
}

/**
 * Parameter rows between a left side (an older version, or the base model) and a right side
 * (the variant). With `inherit`, parameters only the left sets are "inherited": Ollama keeps
 * a base model's parameters unless the variant overrides them.
 */
export function diffParameters(left: Record<string, ShownValue>, right: Record<string, ShownValue>, inherit: boolean): Row[] {
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return keys.map((key): Row => {
    const l = left[key];
    const r = right[key];
    const row: Row = { key, status: 'same' };
    const ls = show(l);
    const rs = show(r);
    if (ls !== undefined) row.left = ls;
    if (rs !== undefined) row.right = rs;
    if (l === undefined) {
      row.status = 'added';
      const d = PARAMS[key]?.ollamaDefault;
      if (d !== undefined && inherit) row.leftDefault = d;
    } else if (r === undefined) row.status = inherit ? 'inherited' : 'removed';
    else row.status = same(l, r) ? 'same' : 'changed';
    return row;
  });
}

const COMMON_ORDER = Object.keys(PARAMS);
const order = (k: string) => {
  const i = COMMON_ORDER.indexOf(k);
  return i === -1 ? COMMON_ORDER.length : i;
};

/** Longest-common-subsequence line diff; Modelfiles are small. */
export function lineDiff(a: string, b: string): VariantDiff['lines'] {
  const x = a.replace(/\n$/, '').split('\n');
  const y = b.replace(/\n$/, '').split('\n');
  const dp: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  }
  const out: VariantDiff['lines'] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ op: 'same', text: x[i] });
      i++;
      j++;
    } else if (dp[i + 1][j] >= dp[i][j + 1]) out.push({ op: 'remove', text: x[i++] });
    else out.push({ op: 'add', text: y[j++] });
  }
  while (i < x.length) out.push({ op: 'remove', text: x[i++] });
  while (j < y.length) out.push({ op: 'add', text: y[j++] });
  return out;
}

function field(name: Field['field'], left: string | undefined, right: string | undefined, inherit = false): Field {
  const f: Field = { field: name, changed: inherit && right === undefined ? false : (left ?? '') !== (right ?? '') };
  if (left !== undefined) f.left = left;
  if (right !== undefined) f.right = right;
  return f;
}

const params = (s: ModelfileSummary): Record<string, ShownValue> => typedParameters(s.parameters) as Record<string, ShownValue>;

export function diffVersions(leftText: string, rightText: string, leftLabel: string, rightLabel: string): VariantDiff {
  const l = summarize(parseModelfile(leftText).nodes);
  const r = summarize(parseModelfile(rightText).nodes);
  return {
    leftLabel,
    rightLabel,
    parameters: diffParameters(params(l), params(r), false),
    fields: [
      field('from', l.from, r.from),
      field('system', l.system, r.system),
      field('template', l.template, r.template),
      field('messages', l.messages.length ? JSON.stringify(l.messages) : undefined, r.messages.length ? JSON.stringify(r.messages) : undefined),
      field('license', l.licenses.join('\n') || undefined, r.licenses.join('\n') || undefined),
      field('adapters', l.adapters.join('\n') || undefined, r.adapters.join('\n') || undefined),
    ],
    lines: lineDiff(leftText, rightText),
  };
}

export interface BaseModelView {
  name: string;
  parameters: Record<string, ShownValue>;
  system: string;
  template: string;
}

/** What the variant changes relative to its base model as Ollama reports it (/api/show). */
export function diffAgainstBase(variantText: string, variantLabel: string, base: BaseModelView): VariantDiff {
  const v = summarize(parseModelfile(variantText).nodes);
  return {
    leftLabel: base.name,
    rightLabel: variantLabel,
    parameters: diffParameters(base.parameters, params(v), true),
    fields: [
      field('system', base.system || undefined, v.system, true),
      field('template', base.template || undefined, v.template, true),
      field('messages', undefined, v.messages.length ? JSON.stringify(v.messages) : undefined),
      field('adapters', undefined, v.adapters.join('\n') || undefined),
    ],
    lines: [],
  };
}
