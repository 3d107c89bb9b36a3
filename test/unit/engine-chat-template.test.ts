import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { generateTinyModel } from '../../electron/engine/tiny-model/generate';
import { PHI4_MINI_CHAT_TEMPLATE } from '../../electron/engine/tiny-model/spec';
import { DeckError } from '../../electron/shared/errors';

let root: string;
let engine: Engine;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slm-template-'));
  engine = await Engine.load({ modelDir: generateTinyModel(path.join(root, 'tiny')) });
});
afterAll(async () => {
  await engine?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** A copy of the demo model whose tokenizer_config.json is changed by `edit`, plus extra files. */
function variant(name: string, edit: (config: Record<string, unknown>) => void, files: Record<string, string> = {}): string {
  const dir = generateTinyModel(path.join(root, name));
  const file = path.join(dir, 'tokenizer_config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(file, JSON.stringify(config));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('chat template source and tool turns', () => {
  it('the demo model generator writes the Phi-4-mini template', () => {
    const config = JSON.parse(readFileSync(path.join(root, 'tiny', 'tokenizer_config.json'), 'utf8')) as { chat_template?: string };
    expect(config.chat_template).toBe(PHI4_MINI_CHAT_TEMPLATE);
  });

  it('renders a tool result as <|tool_response|>, never as <|tool|> (which opens tool definitions)', () => {
    const prompt = engine.renderPrompt(
      [
        { role: 'user', content: 'Area for r=5?' },
        { role: 'assistant', content: null, toolCalls: [{ function: { name: 'area', arguments: '{"r":5}' } }] },
        { role: 'tool', content: '78.5' },
      ],
      [{ type: 'function', function: { name: 'area' } }],
    );
    expect(prompt).toBe(
      '<|system|>You are a helpful assistant with some tools.<|tool|>[{"name":"area"}]<|/tool|><|end|>' +
        '<|user|>Area for r=5?<|end|>' +
        '<|assistant|><|tool_call|>[{"name":"area","arguments":{"r":5}}]<|/tool_call|><|end|>' +
        '<|tool_response|>78.5<|end|><|assistant|>',
    );
  });

  it('reads chat_template.jinja, which overrides tokenizer_config.json, and additional_chat_templates/', async () => {
    const dir = variant('jinja', (c) => delete c.chat_template, {
      'chat_template.jinja': "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
      'additional_chat_templates/tool_use.jinja': "TOOLS{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}<|assistant|>",
    });
    const e = await Engine.load({ modelDir: dir });
    try {
      expect(e.renderPrompt([{ role: 'user', content: 'hi' }])).toBe('[user]hi<|assistant|>');
      expect(e.renderPrompt([{ role: 'user', content: 'hi' }], [{ type: 'function', function: { name: 'f' } }])).toMatch(/^TOOLS/);
    } finally {
      await e.dispose();
    }
    const both = variant('both', () => undefined, { 'chat_template.jinja': '{% for m in messages %}<{{ m.content }}>{% endfor %}' });
    const e2 = await Engine.load({ modelDir: both });
    try {
      expect(e2.renderPrompt([{ role: 'user', content: 'hi' }])).toBe('<hi>');
    } finally {
      await e2.dispose();
    }
  });

  it('refuses to load a model without any chat template, saying what is missing', async () => {
    const dir = variant('none', (c) => delete c.chat_template);
    const err = await Engine.load({ modelDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeckError);
    expect((err as DeckError).code).toBe('model_load_failed');
    expect((err as DeckError).message).toMatch(/no chat template.*chat_template\.jinja/);
    expect((err as DeckError).hint).toMatch(/instruct/);
  });
});
