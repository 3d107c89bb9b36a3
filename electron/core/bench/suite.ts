import { z } from 'zod';
import { BENCH_LIMITS, BenchPromptSchema, type BenchPrompt } from '../../shared/contract/bench';
import type { Preset } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';
import { loadPresets } from '../chat/presets';

/** The seed's test prompts (the playground's presets, one data file for both). */
export function defaultSuite(presets: Preset[] = loadPresets()): BenchPrompt[] {
  return presets.map((p) => ({ id: p.id, label: p.label, prompt: p.prompt, ...(p.system ? { system: p.system } : {}) }));
}

/** A line may name its text `prompt`, `text` or `content`; the id defaults to its line number. */
const LineSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    label: z.string().optional(),
    prompt: z.string().optional(),
    text: z.string().optional(),
    content: z.string().optional(),
    system: z.string().optional(),
  })
  .passthrough();

/**
 * A prompt suite from JSONL (one object per line; blank lines and `#` comments skipped) or
 * from a JSON array of the same objects. Errors name the line.
 */
export function parseSuite(text: string): BenchPrompt[] {
  const trimmed = text.trim();
  if (!trimmed) throw new DeckError('invalid_input', 'The prompt suite is empty.', 'Put one {"prompt": "..."} object per line.');
  let entries: Array<{ line: number; value: unknown }>;
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(trimmed);
    } catch (e) {
      throw new DeckError('invalid_input', `The suite is not valid JSON: ${(e as Error).message}`, 'Use JSONL (one object per line) or a JSON array of objects.');
    }
    if (!Array.isArray(arr)) throw new DeckError('invalid_input', 'The suite must be a JSON array of prompts.');
    entries = arr.map((value, i) => ({ line: i + 1, value }));
  } else {
    entries = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith('//')) return;
      try {
        entries.push({ line: i + 1, value: JSON.parse(line) });
      } catch (e) {
        throw new DeckError('invalid_input', `Line ${i + 1} of the suite is not JSON: ${(e as Error).message}`, 'Each line must be one object such as {"prompt": "What is 2 + 2?"}.');
      }
    });
  }
  if (entries.length > BENCH_LIMITS.prompts) {
    throw new DeckError('invalid_input', `The suite has ${entries.length} prompts; at most ${BENCH_LIMITS.prompts} are allowed.`, 'Split it into several runs.');
  }
  const seen = new Set<string>();
  const out = entries.map(({ line, value }) => {
    const r = LineSchema.safeParse(value);
    const prompt = r.success ? (r.data.prompt ?? r.data.text ?? r.data.content) : undefined;
    if (!r.success || !prompt) {
      throw new DeckError('invalid_input', `Line ${line} of the suite has no prompt.`, 'Each line needs a "prompt" string, e.g. {"prompt": "What is 2 + 2?"}.');
    }
    let id = r.data.id !== undefined ? String(r.data.id).trim() : `p${line}`;
    while (seen.has(id)) id = `${id}-${line}`;
    seen.add(id);
    const candidate = { id, prompt, ...(r.data.label ? { label: r.data.label } : {}), ...(r.data.system ? { system: r.data.system } : {}) };
    const checked = BenchPromptSchema.safeParse(candidate);
    if (!checked.success) {
      const i = checked.error.issues[0];
      throw new DeckError('invalid_input', `Line ${line} of the suite: ${i?.path.join('.')}: ${i?.message}`, 'Prompts are 1–20,000 characters; ids up to 100.');
    }
    return checked.data;
  });
  if (!out.length) throw new DeckError('invalid_input', 'The prompt suite has no prompts.', 'Put one {"prompt": "..."} object per line.');
  return out;
}

/** JSONL of a suite, the format parseSuite reads. */
export function suiteToJsonl(prompts: BenchPrompt[]): string {
  return prompts.map((p) => JSON.stringify(p)).join('\n') + '\n';
}
