/** Readers for the benchmark exports, used by tests to check that exports parse back to the same numbers. */

/** RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The first Markdown table after a heading, as objects keyed by the header cells. */
export function parseMarkdownTable(md: string, heading: string): Array<Record<string, string>> {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no ${heading}`);
  const table: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('|')) table.push(l);
    else if (table.length) break;
  }
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
  const head = cells(table[0]);
  return table.slice(2).map((l) => Object.fromEntries(cells(l).map((c, i) => [head[i], c])));
}
