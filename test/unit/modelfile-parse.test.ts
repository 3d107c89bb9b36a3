import { describe, expect, it } from 'vitest';
import { instructionNodes, parseModelfile, analyzeModelfile, type InstructionNode } from '../../electron/shared/modelfile';

const instrs = (text: string): InstructionNode[] => instructionNodes(parseModelfile(text).nodes);
const values = (text: string) => instrs(text).map((n) => [n.instruction, n.name ?? n.role ?? '', n.value]);

describe('Modelfile parser: what Ollama accepts', () => {
  it('reads instructions case-insensitively, with comments and blank lines kept', () => {
    const p = parseModelfile('# base\nfrom phi4-mini\n\nParameter temperature 0.3\nsystem Be brief.\n');
    expect(p.diagnostics).toEqual([]);
    expect(p.nodes.map((n) => n.type)).toEqual(['comment', 'instruction', 'blank', 'instruction', 'instruction']);
    expect(values(p.text)).toEqual([
      ['FROM', '', 'phi4-mini'],
      ['PARAMETER', 'temperature', '0.3'],
      ['SYSTEM', '', 'Be brief.'],
    ]);
  });

  it('a bare value runs to the end of the line, trimmed, spaces inside kept', () => {
    expect(values('FROM x\nSYSTEM   You are  Mario.   \n')[1][2]).toBe('You are  Mario.');
  });

  it('a # after the start of a line is part of the value, as in Ollama', () => {
    expect(values('FROM x\nPARAMETER temperature 1 # creative\n')[1][2]).toBe('1 # creative');
  });

  it('double and triple quotes may span lines and are removed', () => {
    const v = values('FROM x\nSYSTEM """\nline one\nline "two"\n"""\nTEMPLATE "a\nb"\n');
    expect(v[1][2]).toBe('\nline one\nline "two"\n');
    expect(v[2][2]).toBe('a\nb');
  });

  it('a triple-quoted value may end in a quote, and quotes inside need no escaping', () => {
    expect(values('FROM x\nSYSTEM """Say "hi""""\n')[1][2]).toBe('Say "hi"');
    expect(values('FROM x\nSYSTEM "He said "no""\n')[1][2]).toBe('He said "no"');
    expect(values('FROM x\nSYSTEM ""\n')[1][2]).toBe('');
  });

  it('repeated stop parameters are all kept, in order', () => {
    const v = values('FROM x\nPARAMETER stop "<|end|>"\nPARAMETER stop <|user|>\n');
    expect(v.slice(1).map((x) => x[2])).toEqual(['<|end|>', '<|user|>']);
  });

  it('messages keep their role', () => {
    expect(values('FROM x\nMESSAGE user Is Toronto in Canada?\nMESSAGE assistant yes\n').slice(1)).toEqual([
      ['MESSAGE', 'user', 'Is Toronto in Canada?'],
      ['MESSAGE', 'assistant', 'yes'],
    ]);
  });

  it('CRLF files parse like LF files and positions refer to lines people see', () => {
    const p = parseModelfile('FROM x\r\nPARAMETER temprature 0.3\r\n');
    expect(values(p.text)).toEqual([
      ['FROM', '', 'x'],
      ['PARAMETER', 'temprature', '0.3'],
    ]);
    const a = analyzeModelfile('FROM x\r\nPARAMETER temprature 0.3\r\n');
    expect(a.diagnostics[0]).toMatchObject({ line: 2, column: 11, code: 'unknown-parameter', hint: 'Did you mean temperature?' });
  });
});

describe('Modelfile parser: mistakes are explained with line and column', () => {
  const first = (text: string) => parseModelfile(text).diagnostics[0];

  it('an unknown instruction, with a suggestion', () => {
    expect(first('FORM phi4-mini\n')).toMatchObject({
      line: 1,
      column: 1,
      code: 'unknown-instruction',
      hint: 'Did you mean FROM?',
    });
    expect(first('QUANTIZE q4_0\n').message).toBe(
      'Unknown instruction "QUANTIZE": expected FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, LICENSE, MESSAGE, REQUIRES, RENDERER or PARSER.',
    );
  });

  it('an instruction without a value says what value is expected', () => {
    const d = first('FROM phi4-mini\nSYSTEM\n');
    expect(d).toMatchObject({ line: 2, column: 1, code: 'missing-value' });
    expect(d.message).toContain('SYSTEM needs the system prompt');
  });

  it('a parameter without a value', () => {
    expect(first('FROM x\nPARAMETER temperature\n')).toMatchObject({ line: 2, column: 11, code: 'missing-value' });
    expect(first('FROM x\nPARAMETER temperature\n').message).toMatch(/PARAMETER temperature needs a value/);
  });

  it('a parameter name with a character Ollama rejects', () => {
    const d = first('FROM x\nPARAMETER top-p 0.9\n');
    expect(d).toMatchObject({ line: 2, column: 11, code: 'invalid-parameter-name' });
    expect(d.message).toContain('"top-p"');
  });

  it('a message role that is not system, user or assistant', () => {
    expect(first('FROM x\nMESSAGE User hi\n')).toMatchObject({ line: 2, column: 9, code: 'invalid-role', hint: 'Roles are lowercase: write "user".' });
    expect(first('FROM x\nMESSAGE tool hi\n')).toMatchObject({ code: 'invalid-role' });
  });

  it('an unterminated quote points at the opening quote', () => {
    expect(first('FROM x\nSYSTEM """You are\nhelpful.\n')).toMatchObject({ line: 2, column: 8, code: 'unterminated-quote' });
  });

  it('text after a closing quote is pointed at', () => {
    expect(first('FROM x\nSYSTEM "hello" world\n')).toMatchObject({ line: 2, column: 16, code: 'text-after-quote' });
  });

  it('a quote that swallows the next line is a warning where it went wrong', () => {
    const p = parseModelfile('FROM x\nSYSTEM "hello" world\nTEMPLATE "x"\n');
    expect(p.diagnostics[0]).toMatchObject({ severity: 'warning', line: 2, column: 16, code: 'quote-runs-on' });
    expect(values(p.text)[1][2]).toBe('hello" world\nTEMPLATE "x');
  });

  it('a stray line of text is not silently dropped', () => {
    expect(first('FROM x\n{{ .Prompt }}\n')).toMatchObject({ line: 2, column: 1, code: 'expected-instruction' });
  });

  it('keeps going after a mistake, reporting each one', () => {
    const p = parseModelfile('FORM x\nPARAMETER top-p 1\nSYSTEM ok\n');
    expect(p.diagnostics.map((d) => [d.line, d.code])).toEqual([
      [1, 'unknown-instruction'],
      [2, 'invalid-parameter-name'],
    ]);
    expect(values(p.text)).toEqual([['SYSTEM', '', 'ok']]);
  });
});
