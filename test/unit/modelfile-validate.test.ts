import { describe, expect, it } from 'vitest';
import {
  analyzeModelfile,
  applyForm,
  parseModelfile,
  readForm,
  renderModelfile,
  toCreateRequest,
} from '../../electron/shared/modelfile';

const diag = (text: string) => analyzeModelfile(text).diagnostics;

describe('typed parameter validation', () => {
  it.each([
    ['temperature warm', 'temperature expects a number', 2, 23],
    ['temperature -1', 'temperature must be of at least 0', 2, 23],
    ['top_p 1.5', 'top_p must be between 0 and 1', 2, 17],
    ['min_p 2', 'min_p must be between 0 and 1', 2, 17],
    ['top_k 40.5', 'top_k expects a whole number', 2, 17],
    ['num_ctx 4k', 'num_ctx expects a whole number of at least 1', 2, 19],
    ['num_ctx 0', 'num_ctx must be of at least 1', 2, 19],
    ['num_predict -3', 'num_predict must be of at least -2', 2, 23],
    ['repeat_last_n -2', 'repeat_last_n must be of at least -1', 2, 25],
    ['seed 4.2', 'seed expects a whole number', 2, 16],
    ['use_mmap yes', 'use_mmap expects true or false', 2, 20],
  ])('PARAMETER %s -> "%s" at %i:%i', (line, message, l, c) => {
    const d = diag(`FROM phi4-mini\nPARAMETER ${line}\n`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'error', code: 'invalid-parameter-value', line: l, column: c });
    expect(d[0].message).toContain(message);
    expect(d[0].param).toBe(line.split(' ')[0]);
  });

  it('accepts what Go parses: signs, exponents, TRUE/false spellings', () => {
    expect(diag('FROM x\nPARAMETER temperature +0.5\nPARAMETER top_p 5e-1\nPARAMETER seed -7\nPARAMETER use_mmap TRUE\n')).toEqual([]);
  });

  it('explains an inline comment and a decimal comma', () => {
    expect(diag('FROM x\nPARAMETER temperature 0.3 # focused\n')[0].hint).toMatch(/own line/);
    expect(diag('FROM x\nPARAMETER temperature 0,3\n')[0].hint).toMatch(/decimal point/);
  });

  it('warns about unusual values and repeated settings without blocking', () => {
    const d = diag('FROM x\nPARAMETER temperature 3\nPARAMETER top_k 10\nPARAMETER top_k 20\n');
    expect(d.map((x) => [x.severity, x.code, x.line])).toEqual([
      ['warning', 'unusual-parameter-value', 2],
      ['warning', 'duplicate-parameter', 4],
    ]);
  });

  it('an unknown parameter is an error with a suggestion, case mistakes included', () => {
    expect(diag('FROM x\nPARAMETER Temperature 0.3\n')[0]).toMatchObject({ code: 'unknown-parameter', hint: 'Did you mean temperature?' });
    expect(diag('FROM x\nPARAMETER max_tokens 100\n')[0]).toMatchObject({ code: 'unknown-parameter', line: 2, column: 11 });
  });
});

describe('Modelfile structure validation', () => {
  it('needs exactly one FROM', () => {
    expect(diag('SYSTEM hi\n')[0]).toMatchObject({ code: 'missing-from', line: 1, column: 1, field: 'from' });
    expect(diag('FROM a\nFROM b\n')[0]).toMatchObject({ code: 'duplicate-from', line: 2 });
  });

  it('checks the base model name and local paths', () => {
    expect(diag('FROM phi4 mini\n')[0]).toMatchObject({ code: 'invalid-model-name', column: 6 });
    expect(diag('FROM hf.co/microsoft/phi-4:Q4_K_M\n')).toEqual([]);
    expect(diag('FROM ./weights/model.gguf\n')).toEqual([]);
  });

  it('checks REQUIRES as a version and one ADAPTER at most', () => {
    expect(diag('FROM x\nREQUIRES 0.6\n')).toEqual([]);
    expect(diag('FROM x\nREQUIRES latest\n')[0]).toMatchObject({ code: 'invalid-version', line: 2, column: 10 });
    expect(diag('FROM x\nADAPTER a.gguf\nADAPTER b.gguf\n')[0]).toMatchObject({ code: 'duplicate-adapter', line: 3 });
  });

  it('points into a template at an unclosed block or action', () => {
    const d = diag('FROM x\nTEMPLATE """{{ if .System }}\n{{ .System }}"""\n');
    expect(d[0]).toMatchObject({ code: 'template-syntax', line: 2, column: 13 });
    expect(d[0].message).toContain('{{ if }}');
    expect(diag('FROM x\nTEMPLATE """Hello {{ .Prompt"""\n')[0]).toMatchObject({ code: 'template-syntax', line: 2, column: 19 });
    expect(diag('FROM x\nTEMPLATE "{{ end }}"\n')[0].message).toContain('no matching');
  });
});

describe('structured create request', () => {
  it('maps every instruction to its field, never to a modelfile string', () => {
    const text = `FROM phi4-mini
PARAMETER temperature 0.3
PARAMETER stop "<|end|>"
PARAMETER stop "<|user|>"
PARAMETER num_ctx 8192
PARAMETER mirostat 1
SYSTEM """Think step by step."""
TEMPLATE """{{ .Prompt }}"""
MESSAGE user 2+2?
MESSAGE assistant 4
LICENSE MIT
REQUIRES v0.6.0
`;
    expect(toCreateRequest(parseModelfile(text).nodes, 'phi4-mini-stepwise', {}, { quantize: 'q4_K_M' })).toEqual({
      model: 'phi4-mini-stepwise',
      from: 'phi4-mini',
      parameters: { temperature: 0.3, stop: ['<|end|>', '<|user|>'], num_ctx: 8192 },
      system: 'Think step by step.',
      template: '{{ .Prompt }}',
      messages: [
        { role: 'user', content: '2+2?' },
        { role: 'assistant', content: '4' },
      ],
      license: ['MIT'],
      requires: '0.6.0',
      quantize: 'q4_K_M',
    });
  });

  it('uses files and adapters digests instead of from for local weights', () => {
    const req = toCreateRequest(parseModelfile('FROM ./m.gguf\nADAPTER ./a.gguf\n').nodes, 'local', {
      files: { 'm.gguf': 'sha256:aa' },
      adapters: { 'a.gguf': 'sha256:bb' },
    });
    expect(req).toEqual({ model: 'local', files: { 'm.gguf': 'sha256:aa' }, adapters: { 'a.gguf': 'sha256:bb' } });
  });
});

describe('variant form over the Modelfile', () => {
  const base = `# my variant
FROM phi4-mini
PARAMETER temperature 0.3
PARAMETER stop "<|end|>"
MESSAGE user hi
SYSTEM """Be careful."""
`;

  it('reads the common fields', () => {
    const f = readForm(parseModelfile(base).nodes);
    expect(f).toMatchObject({ from: 'phi4-mini', system: 'Be careful.', stop: ['<|end|>'] });
    expect(f.params.temperature).toBe('0.3');
    expect(f.params.top_p).toBe('');
  });

  it('a form edit changes only its lines and keeps comments and messages', () => {
    const nodes = parseModelfile(base).nodes;
    const f = readForm(nodes);
    const text = renderModelfile(
      applyForm(nodes, { ...f, params: { ...f.params, temperature: '', top_p: '0.8', num_ctx: '4096' }, stop: ['<|end|>', '<|user|>'] }),
    );
    expect(text).toBe(`# my variant
FROM phi4-mini
PARAMETER stop <|end|>
PARAMETER stop <|user|>
PARAMETER top_p 0.8
PARAMETER num_ctx 4096
MESSAGE user hi
SYSTEM Be careful.
`);
    expect(readForm(parseModelfile(text).nodes).params).toMatchObject({ top_p: '0.8', num_ctx: '4096', temperature: '' });
  });

  it('form -> text -> form is the identity for what the form holds', () => {
    const form = { from: 'phi4-mini:3.8b-q8_0', system: 'Line one\nLine "two"', params: { temperature: '0.5', seed: '7' }, stop: ['###'] };
    const nodes = applyForm([], form);
    const back = readForm(parseModelfile(renderModelfile(nodes)).nodes);
    expect(back).toMatchObject({ from: form.from, system: form.system, stop: form.stop });
    expect(back.params).toMatchObject(form.params);
  });

  it('invalid form input surfaces as a diagnostic tied to its field', () => {
    const f = readForm(parseModelfile(base).nodes);
    const text = renderModelfile(applyForm(parseModelfile(base).nodes, { ...f, params: { ...f.params, top_p: '2' } }));
    const d = analyzeModelfile(text).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ param: 'top_p', code: 'invalid-parameter-value' });
  });
});
