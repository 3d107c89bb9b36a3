/**
 * A small Markdown parser for model output: CommonMark-ish blocks (headings, paragraphs,
 * fenced and indented code, lists, block quotes, rules), GFM tables and strikethrough, and
 * TeX math. It produces a tree that the renderer turns into React elements, so model output
 * is never parsed as HTML. Unfinished constructs (an open code fence while streaming) render
 * as far as they go.
 */

export type Inline =
  | { t: 'text'; text: string }
  | { t: 'code'; text: string }
  | { t: 'strong'; children: Inline[] }
  | { t: 'em'; children: Inline[] }
  | { t: 'del'; children: Inline[] }
  | { t: 'link'; href: string; children: Inline[] }
  | { t: 'math'; tex: string }
  | { t: 'br' };

export type Align = 'left' | 'right' | 'center' | null;

export type Block =
  | { t: 'heading'; level: number; children: Inline[] }
  | { t: 'para'; children: Inline[] }
  | { t: 'code'; lang: string; text: string; open: boolean }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { t: 'quote'; children: Block[] }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { t: 'math'; tex: string }
  | { t: 'hr' };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)?.*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+\s*)?$/;
const HR = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^( {0,3})([-*+])\s+(.*)$/;
const ORDERED = /^( {0,3})(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

export function parseMarkdown(src: string): Block[] {
  return parseBlocks(src.replace(/\r\n?/g, '\n').split('\n'));
}

function parseBlocks(lines: string[]): Block[] {
  const out: Block[] = [];
  let i = 0;
  let para: string[] = [];
  const endPara = () => {
    if (para.length) out.push({ t: 'para', children: parseInline(para.join('\n').trim()) });
    para = [];
  };

  while (i < lines.length) {
    const line = lines[i];

    if (!line.trim()) {
      endPara();
      i++;
      continue;
    }

    const fence = FENCE.exec(line);
    if (fence) {
      endPara();
      const marker = fence[1];
      const body: string[] = [];
      i++;
      let open = true;
      while (i < lines.length) {
        const l = lines[i];
        if (l.trim().startsWith(marker[0].repeat(marker.length)) && /^[`~]+\s*$/.test(l.trim())) {
          open = false;
          i++;
          break;
        }
        body.push(l);
        i++;
      }
      out.push({ t: 'code', lang: (fence[2] ?? '').toLowerCase(), text: body.join('\n'), open });
      continue;
    }

    const trimmed = line.trim();
    if (trimmed.startsWith('$$') || trimmed.startsWith('\\[')) {
      const close = trimmed.startsWith('$$') ? '$$' : '\\]';
      endPara();
      let rest = trimmed.slice(2);
      const body: string[] = [];
      for (;;) {
        const at = rest.indexOf(close);
        if (at >= 0) {
          body.push(rest.slice(0, at));
          i++;
          break;
        }
        body.push(rest);
        i++;
        if (i >= lines.length) break;
        rest = lines[i];
      }
      // Unclosed at the end of a streaming reply: show what there is.
      out.push({ t: 'math', tex: body.join('\n').trim() });
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      endPara();
      out.push({ t: 'heading', level: heading[1].length, children: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }

    if (HR.test(line) && !para.length) {
      out.push({ t: 'hr' });
      i++;
      continue;
    }

    // Setext heading: a paragraph line underlined with === or ---.
    if (para.length === 1 && /^ {0,3}(=+|-+)\s*$/.test(line)) {
      out.push({ t: 'heading', level: line.trim()[0] === '=' ? 1 : 2, children: parseInline(para[0].trim()) });
      para = [];
      i++;
      continue;
    }

    if (QUOTE.test(line)) {
      endPara();
      const body: string[] = [];
      while (i < lines.length && (QUOTE.test(lines[i]) || (lines[i].trim() && body.length && !isBlockStart(lines[i])))) {
        const m = QUOTE.exec(lines[i]);
        body.push(m ? m[1] : lines[i]);
        i++;
      }
      out.push({ t: 'quote', children: parseBlocks(body) });
      continue;
    }

    if (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      const head = cells(line);
      const align = cells(lines[i + 1]).map(alignOf);
      if (head.length && align.length === head.length) {
        endPara();
        i += 2;
        const rows: Inline[][][] = [];
        while (i < lines.length && lines[i].trim() && lines[i].includes('|')) {
          const row = cells(lines[i]);
          rows.push(head.map((_, k) => parseInline(row[k] ?? '')));
          i++;
        }
        out.push({ t: 'table', align, head: head.map(parseInline), rows });
        continue;
      }
    }

    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if ((bullet || ordered) && !(ordered && para.length && ordered[2] !== '1')) {
      endPara();
      const { block, next } = parseList(lines, i);
      out.push(block);
      i = next;
      continue;
    }

    if (/^( {4}|\t)/.test(line) && !para.length) {
      const body: string[] = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || !lines[i].trim())) {
        body.push(lines[i].replace(/^( {4}|\t)/, ''));
        i++;
      }
      while (body.length && !body[body.length - 1].trim()) body.pop();
      out.push({ t: 'code', lang: '', text: body.join('\n'), open: false });
      continue;
    }

    para.push(line);
    i++;
  }
  endPara();
  return out;
}

function isBlockStart(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || HR.test(line) || BULLET.test(line) || ORDERED.test(line) || QUOTE.test(line);
}

/** A list and its items; an item's continuation lines are those indented past its marker. */
function parseList(lines: string[], start: number): { block: Block; next: number } {
  const first = BULLET.exec(lines[start]) ?? ORDERED.exec(lines[start])!;
  const ordered = !BULLET.test(lines[start]);
  const baseIndent = first[1].length;
  const items: Block[][] = [];
  let i = start;
  while (i < lines.length) {
    const m = ordered ? ORDERED.exec(lines[i]) : BULLET.exec(lines[i]);
    if (!m || m[1].length !== baseIndent) break;
    const contentIndent = lines[i].length - m[3].length;
    const body = [m[3]];
    i++;
    let blankRun = 0;
    while (i < lines.length) {
      const l = lines[i];
      if (!l.trim()) {
        blankRun++;
        body.push('');
        i++;
        continue;
      }
      const indent = l.length - l.trimStart().length;
      if (indent >= Math.min(contentIndent, baseIndent + 2)) {
        body.push(l.slice(Math.min(indent, contentIndent)));
        blankRun = 0;
        i++;
        continue;
      }
      // A lazy continuation line (no blank before it, not a new block) belongs to the item.
      if (blankRun === 0 && !isBlockStart(l) && !(l.includes('|') && lines[i + 1] && TABLE_SEP.test(lines[i + 1]))) {
        body.push(l);
        i++;
        continue;
      }
      break;
    }
    // Blank lines between items belong to neither.
    while (body.length > 1 && !body[body.length - 1].trim()) {
      body.pop();
      i--;
    }
    while (i < lines.length && !lines[i].trim()) i++;
    items.push(parseBlocks(body));
    const nextMarker = i < lines.length ? (ordered ? ORDERED.exec(lines[i]) : BULLET.exec(lines[i])) : null;
    if (!nextMarker || nextMarker[1].length !== baseIndent) break;
  }
  return { block: { t: 'list', ordered, start: ordered ? Number(first[2]) : 1, items }, next: i };
}

function cells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '\\' && s[k + 1] === '|') {
      cur += '|';
      k++;
    } else if (c === '`') {
      inCode = !inCode;
      cur += c;
    } else if (c === '|' && !inCode) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

function alignOf(sep: string): Align {
  const s = sep.trim();
  const l = s.startsWith(':');
  const r = s.endsWith(':');
  return l && r ? 'center' : r ? 'right' : l ? 'left' : null;
}

// ---- inline ----

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ t: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const rest = src.slice(i);

    if (c === '\\' && i + 1 < src.length) {
      const next = src[i + 1];
      if (next === '(' || next === '[') {
        const close = next === '(' ? '\\)' : '\\]';
        const end = src.indexOf(close, i + 2);
        if (end > 0) {
          flush();
          out.push({ t: 'math', tex: src.slice(i + 2, end).trim() });
          i = end + 2;
          continue;
        }
      }
      if (/[\\`*_{}[\]()#+\-.!|~$<>]/.test(next)) {
        text += next;
        i += 2;
        continue;
      }
    }

    if (c === '\n') {
      // Two trailing spaces or a backslash make a hard break; otherwise a soft break renders as a space.
      if (text.endsWith('  ')) {
        text = text.trimEnd();
        flush();
        out.push({ t: 'br' });
      } else text += '\n';
      i++;
      continue;
    }

    if (c === '`') {
      const ticks = /^`+/.exec(rest)![0];
      const end = src.indexOf(ticks, i + ticks.length);
      if (end > 0) {
        flush();
        let code = src.slice(i + ticks.length, end);
        if (code.startsWith(' ') && code.endsWith(' ') && code.trim()) code = code.slice(1, -1);
        out.push({ t: 'code', text: code });
        i = end + ticks.length;
        continue;
      }
      text += ticks;
      i += ticks.length;
      continue;
    }

    if (c === '$') {
      const m = /^\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)/.exec(rest);
      if (m && !/^\d/.test(m[1]) ) {
        flush();
        out.push({ t: 'math', tex: m[1] });
        i += m[0].length;
        continue;
      }
    }

    if ((c === '*' || c === '_' || c === '~') && src[i + 1] === c) {
      const marker = c + c;
      const end = findClose(src, i + 2, marker);
      if (end > i + 2 && !(c === '_' && isWordChar(src[i - 1]))) {
        flush();
        const children = parseInline(src.slice(i + 2, end));
        out.push(c === '~' ? { t: 'del', children } : { t: 'strong', children });
        i = end + 2;
        continue;
      }
    }

    if ((c === '*' || c === '_') && src[i + 1] !== ' ' && src[i + 1] !== undefined && !(c === '_' && isWordChar(src[i - 1]))) {
      const end = findClose(src, i + 1, c);
      if (end > i + 1 && src[end - 1] !== ' ' && !(c === '_' && isWordChar(src[end + 1]))) {
        flush();
        out.push({ t: 'em', children: parseInline(src.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }

    if (c === '[') {
      // The URL may hold one level of balanced parentheses, as Wikipedia links do.
      const m = /^\[([^\]\n]+)\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))+)>?(?:\s+"[^"]*")?\s*\)/.exec(rest);
      if (m) {
        flush();
        const children = parseInline(m[1]);
        if (SAFE_URL.test(m[2])) out.push({ t: 'link', href: m[2], children });
        else out.push(...children);
        i += m[0].length;
        continue;
      }
    }

    if ((c === 'h' || c === 'H') && /^https?:\/\//i.test(rest) && !isWordChar(src[i - 1])) {
      const m = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"*_]/i.exec(rest);
      if (m) {
        flush();
        out.push({ t: 'link', href: m[0], children: [{ t: 'text', text: m[0] }] });
        i += m[0].length;
        continue;
      }
    }

    text += c;
    i++;
  }
  flush();
  return out;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

/** The closing marker, skipping code spans so `**a `**` b**` works. */
function findClose(src: string, from: number, marker: string): number {
  let i = from;
  while (i < src.length) {
    if (src[i] === '\\') {
      i += 2;
      continue;
    }
    if (src[i] === '`') {
      const ticks = /^`+/.exec(src.slice(i))![0];
      const end = src.indexOf(ticks, i + ticks.length);
      i = end > 0 ? end + ticks.length : i + ticks.length;
      continue;
    }
    if (src.startsWith(marker, i) && (marker.length === 2 || src[i + 1] !== marker)) return i;
    if (marker.length === 1 && src.startsWith(marker + marker, i)) {
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}
