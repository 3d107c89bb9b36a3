/**
 * /api/show returns parameters as text, one `name<padding>value` line each, values printed
 * with Go's %#v: strings quoted with Go escapes, numbers and booleans bare, one line per
 * stop sequence. This reads them back into typed values.
 */
export type ShownValue = string | number | boolean | string[];

export function parseShowParameters(text: string | undefined): Record<string, ShownValue> {
  const out: Record<string, ShownValue> = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, key, raw] = m;
    const value = parseGoValue(raw.trim());
    const prev = out[key];
    if (prev !== undefined) out[key] = [...(Array.isArray(prev) ? prev : [String(prev)]), String(value)];
    else out[key] = key === 'stop' ? [String(value)] : value;
  }
  return out;
}

function parseGoValue(raw: string): string | number | boolean {
  if (raw.startsWith('"')) return goUnquote(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** strconv.Unquote for double-quoted Go strings. */
export function goUnquote(s: string): string {
  const body = s.endsWith('"') && s.length >= 2 ? s.slice(1, -1) : s.slice(1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    if (next in SIMPLE) out += SIMPLE[next];
    else if (next === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next === 'u') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (next === 'U') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
      i += 8;
    } else if (next !== undefined && /[0-7]/.test(next)) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else out += next ?? '';
  }
  return out;
}
