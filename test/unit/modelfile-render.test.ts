import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseModelfile,
  quoteValue,
  renderModelfile,
  UnrepresentableValueError,
  type InstructionNode,
  type ModelfileNode,
} from '../../electron/shared/modelfile';

const NOWHERE = { line: 0, column: 0, offset: 0 };

/** The parts of a node that carry meaning (positions and source quoting are not compared). */
function meaning(nodes: readonly ModelfileNode[]) {
  return nodes.map((n) =>
    n.type === 'instruction'
      ? { t: n.instruction, name: n.name, role: n.role, value: n.value }
      : n.type === 'comment'
        ? { t: '#', text: n.text }
        : { t: '' },
  );
}

// Values drawn from the characters that make quoting hard: quotes, blanks, newlines, # and
// a few non-ASCII letters and spaces.
const valueChars = fc.constantFrom('a', 'b', 'Z', '0', ' ', '\t', '\n', '"', '#', '{', '}', '|', '<', '>', ':', 'é', '漢', '\u00a0');
const value = fc.array(valueChars, { maxLength: 24 }).map((cs) => cs.join(''));
const paramName = fc.constantFrom('temperature', 'top_p', 'stop', 'num_ctx', 'seed', 'x_1');

const instruction: fc.Arbitrary<ModelfileNode> = fc.oneof(
  fc.record({ i: fc.constantFrom('FROM', 'SYSTEM', 'TEMPLATE', 'LICENSE', 'ADAPTER', 'REQUIRES'), v: value }).map(
    ({ i, v }): InstructionNode => ({
      type: 'instruction',
      instruction: i as InstructionNode['instruction'],
      value: v,
      quote: 'none',
      pos: NOWHERE,
      valuePos: NOWHERE,
      end: NOWHERE,
    }),
  ),
  fc.record({ name: paramName, v: value }).map(
    ({ name, v }): InstructionNode => ({ type: 'instruction', instruction: 'PARAMETER', name, value: v, quote: 'none', pos: NOWHERE, valuePos: NOWHERE, end: NOWHERE }),
  ),
  fc.record({ role: fc.constantFrom('system', 'user', 'assistant' as const), v: value }).map(
    ({ role, v }): InstructionNode => ({ type: 'instruction', instruction: 'MESSAGE', role, value: v, quote: 'none', pos: NOWHERE, valuePos: NOWHERE, end: NOWHERE }),
  ),
  fc.array(fc.constantFrom('a', ' ', '"', '#', 'é'), { maxLength: 10 }).map((cs): ModelfileNode => ({ type: 'comment', text: cs.join(''), pos: NOWHERE })),
  fc.constant<ModelfileNode>({ type: 'blank', pos: NOWHERE }),
);

function renderable(nodes: ModelfileNode[]): string | null {
  try {
    return renderModelfile(nodes);
  } catch (e) {
    if (e instanceof UnrepresentableValueError) return null;
    throw e;
  }
}

describe('Modelfile renderer', () => {
  it('parse(render(nodes)) gives back the same values, for any values it can write', () => {
    fc.assert(
      fc.property(fc.array(instruction, { maxLength: 8 }), (nodes) => {
        const text = renderable(nodes);
        fc.pre(text !== null);
        const back = parseModelfile(text!);
        expect(back.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(meaning(back.nodes)).toEqual(meaning(nodes));
      }),
      { numRuns: 2000 },
    );
  });

  it('render(parse(x)) is stable: a second pass changes nothing', () => {
    fc.assert(
      fc.property(fc.array(instruction, { maxLength: 8 }), fc.array(fc.constantFrom(' ', '\t', '\r\n'), { maxLength: 3 }), (nodes, noise) => {
        const text = renderable(nodes);
        fc.pre(text !== null);
        // Hand-written variation: CRLF, extra blanks after keywords, lowercase keywords.
        const messy = text!.replace(/^(FROM|SYSTEM|PARAMETER) /gm, (m) => m.toLowerCase() + noise.join('').replace(/\r\n/g, ' '));
        const once = renderModelfile(parseModelfile(messy).nodes);
        const twice = renderModelfile(parseModelfile(once).nodes);
        expect(twice).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary text, and is stable on whatever parses cleanly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const p = parseModelfile(text);
        if (p.diagnostics.some((d) => d.severity === 'error')) return;
        const once = renderable(p.nodes);
        if (once === null) return;
        expect(renderModelfile(parseModelfile(once).nodes)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('is stable on text assembled from Modelfile fragments, as people type it', () => {
    const fragment = fc.constantFrom(
      'FROM ', 'from ', 'SYSTEM ', 'template ', 'PARAMETER ', 'stop ', 'temperature ', 'MESSAGE user ', 'LICENSE ',
      '"', '"""', '\n', '\r\n', ' ', '\t', '#', 'x', 'phi4-mini', '0.3', '{{ .Prompt }}', 'é',
    );
    let clean = 0;
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), (parts) => {
        const p = parseModelfile(parts.join(''));
        if (p.diagnostics.some((d) => d.severity === 'error')) return;
        const once = renderable(p.nodes);
        if (once === null) return;
        clean++;
        expect(meaning(parseModelfile(once).nodes)).toEqual(meaning(p.nodes));
        expect(renderModelfile(parseModelfile(once).nodes)).toBe(once);
      }),
      { numRuns: 3000 },
    );
    // The generator must actually reach valid Modelfiles for the property to mean something.
    expect(clean).toBeGreaterThan(300);
  });

  it('writes simple values bare and multi-line prompts in triple quotes', () => {
    expect(quoteValue('phi4-mini')).toBe('phi4-mini');
    expect(quoteValue('You are Mario.')).toBe('You are Mario.');
    expect(quoteValue('line 1\nline 2')).toBe('"""line 1\nline 2"""');
    expect(quoteValue(' padded ')).toBe('""" padded """');
    expect(quoteValue('"quoted"')).toBe('""""quoted""""');
    expect(quoteValue('')).toBe('""');
  });

  it('keeps quotes that are not at a line end inside triple quotes', () => {
    const v = 'say """ here\nthen "stop"';
    expect(quoteValue(v)).toBe(`"""${v}"""`);
    expect(parseModelfile(`FROM x\nSYSTEM ${quoteValue(v)}\n`).nodes.at(-1)).toMatchObject({ value: v });
  });

  it('refuses to write a value no quoting can carry instead of corrupting it', () => {
    expect(() => quoteValue('a"""\nb')).toThrow(UnrepresentableValueError);
  });
});
