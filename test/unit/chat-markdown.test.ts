import { describe, expect, it } from 'vitest';
import { highlight } from '../../renderer/src/features/playground/markdown/highlight';
import { parseInline, parseMarkdown } from '../../renderer/src/features/playground/markdown/parse';
import { texToText } from '../../renderer/src/features/playground/markdown/tex';

describe('markdown for model output', () => {
  it('parses headings, paragraphs, emphasis, code spans and safe links only', () => {
    expect(parseMarkdown('## Result\n\nThe **area** is *78.54* (`pi * r^2`), see [docs](https://example.com) or [x](javascript:alert(1)).')).toEqual([
      { t: 'heading', level: 2, children: [{ t: 'text', text: 'Result' }] },
      {
        t: 'para',
        children: [
          { t: 'text', text: 'The ' },
          { t: 'strong', children: [{ t: 'text', text: 'area' }] },
          { t: 'text', text: ' is ' },
          { t: 'em', children: [{ t: 'text', text: '78.54' }] },
          { t: 'text', text: ' (' },
          { t: 'code', text: 'pi * r^2' },
          { t: 'text', text: '), see ' },
          { t: 'link', href: 'https://example.com', children: [{ t: 'text', text: 'docs' }] },
          { t: 'text', text: ' or ' },
          // A javascript: link keeps its text and loses its target.
          { t: 'text', text: 'x' },
          { t: 'text', text: '.' },
        ],
      },
    ]);
  });

  it('parses GFM tables with alignment, escaped pipes and code with pipes', () => {
    const [table] = parseMarkdown('| n | value | note |\n|---:|:---:|---|\n| 1 | `a|b` | x \\| y |\n| 10 | 55 |');
    expect(table).toMatchObject({ t: 'table', align: ['right', 'center', null] });
    if (table.t !== 'table') throw new Error('not a table');
    expect(table.rows[0]).toEqual([[{ t: 'text', text: '1' }], [{ t: 'code', text: 'a|b' }], [{ t: 'text', text: 'x | y' }]]);
    // A short row is padded to the header's width.
    expect(table.rows[1]).toEqual([[{ t: 'text', text: '10' }], [{ t: 'text', text: '55' }], []]);
  });

  it('parses fenced code (open while streaming), lists with nesting, quotes and rules', () => {
    const blocks = parseMarkdown('1. First\n2. Second\n   - nested\n\n> quoted *text*\n\n---\n\n```python\ndef f():\n    return 1');
    expect(blocks.map((b) => b.t)).toEqual(['list', 'quote', 'hr', 'code']);
    expect(blocks[0]).toMatchObject({ ordered: true, start: 1 });
    if (blocks[0].t !== 'list') throw new Error('not a list');
    expect(blocks[0].items[1].map((b) => b.t)).toEqual(['para', 'list']);
    expect(blocks[3]).toEqual({ t: 'code', lang: 'python', text: 'def f():\n    return 1', open: true });
  });

  it('keeps dollar amounts as text and reads TeX math', () => {
    expect(parseInline('It costs $5000 at 6%, then $5955.08.')).toEqual([{ t: 'text', text: 'It costs $5000 at 6%, then $5955.08.' }]);
    expect(parseInline('Area $A = \\pi r^2$ and \\(x_1\\)')).toEqual([
      { t: 'text', text: 'Area ' },
      { t: 'math', tex: 'A = \\pi r^2' },
      { t: 'text', text: ' and ' },
      { t: 'math', tex: 'x_1' },
    ]);
    expect(parseMarkdown('$$\n\\frac{240}{3} = 80\n$$')).toEqual([{ t: 'math', tex: '\\frac{240}{3} = 80' }]);
    expect(texToText('A = \\pi r^2')).toBe('A = π r²');
    expect(texToText('\\frac{240 \\text{ km}}{3 \\text{ h}} = 80')).toBe('(240 km)/(3 h) = 80');
    expect(texToText('5000 \\times (1 + 0.06)^{3} \\approx 5955.08')).toBe('5000 × (1 + 0.06)³ ≈ 5955.08');
    expect(texToText('\\sqrt{x^2 + y^2}')).toBe('√(x² + y²)');
  });

  it('never turns model output into markup: HTML stays text', () => {
    expect(parseMarkdown('<img src=x onerror=alert(1)> <b>hi</b>')).toEqual([
      { t: 'para', children: [{ t: 'text', text: '<img src=x onerror=alert(1)> <b>hi</b>' }] },
    ]);
  });

  it('colours code by language and leaves unknown languages plain', () => {
    const tokens = highlight('def fib(n):  # DP\n    return "x" + 1', 'python');
    expect(tokens.filter((t) => t.kind !== 'plain')).toEqual([
      { kind: 'kw', text: 'def' },
      { kind: 'fn', text: 'fib' },
      { kind: 'com', text: '# DP' },
      { kind: 'kw', text: 'return' },
      { kind: 'str', text: '"x"' },
      { kind: 'num', text: '1' },
    ]);
    expect(tokens.map((t) => t.text).join('')).toBe('def fib(n):  # DP\n    return "x" + 1');
    expect(highlight('anything', 'brainfuck')).toEqual([{ kind: 'plain', text: 'anything' }]);
  });
});
