/**
 * A parser for the Prometheus text exposition format (0.0.4), as vLLM (prometheus_client)
 * and our engine serve on /metrics. Only what the monitor needs: samples with labels and
 * the declared types. Malformed lines are skipped and counted, never fatal: one odd metric
 * from a newer server must not blank the whole chart.
 */

export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  samples: Map<string, PromSample[]>;
  types: Map<string, string>;
  skipped: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parsePrometheus(text: string): PromText {
  const samples = new Map<string, PromSample[]>();
  const types = new Map<string, string>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types.set(m[1], m[2]);
      continue;
    }
    const parsed = parseSampleLine(line);
    if (!parsed) {
      skipped++;
      continue;
    }
    let list = samples.get(parsed.name);
    if (!list) samples.set(parsed.name, (list = []));
    list.push({ labels: parsed.labels, value: parsed.value });
  }
  return { samples, types, skipped };
}

function parseSampleLine(line: string): { name: string; labels: Record<string, string>; value: number } | null {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return null;
  const name = nameMatch[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
      if (!key) return null;
      i += key[0].length;
      while (line[i] === ' ') i++;
      if (line[i] !== '=' || line[i + 1] !== '"') return null;
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return null;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const n = line[i + 1];
          value += n === 'n' ? '\n' : n === '"' ? '"' : n === '\\' ? '\\' : `\\${n ?? ''}`;
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      labels[key[0]] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return null;
  const value = parseValue(rest[0]);
  if (value === null) return null;
  return { name, labels, value };
}

function parseValue(s: string): number | null {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** Sum of a metric over all its label sets (vLLM labels per engine and model); null when absent. */
export function sumOf(p: PromText, name: string): number | null {
  const list = p.samples.get(name);
  if (!list || list.length === 0) return null;
  let total = 0;
  for (const s of list) if (Number.isFinite(s.value)) total += s.value;
  return total;
}

/** The first of several names that the text has (metrics get renamed between server versions). */
export function firstSum(p: PromText, names: readonly string[]): number | null {
  for (const n of names) {
    const v = sumOf(p, n);
    if (v !== null) return v;
  }
  return null;
}

/** Mean over label sets, for gauges like a usage fraction per engine. */
export function meanOf(p: PromText, names: readonly string[]): number | null {
  for (const n of names) {
    const list = p.samples.get(n)?.filter((s) => Number.isFinite(s.value));
    if (list && list.length) return list.reduce((a, s) => a + s.value, 0) / list.length;
  }
  return null;
}
