import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DeckError } from '../../shared/errors';
import { findResource } from './resources';

export interface ModelfileTemplate {
  id: string;
  title: string;
  description: string;
  text: string;
}

/**
 * Built-in variant templates: resources/modelfiles/<id>.Modelfile, whose first two comment
 * lines are the title and a one-line description.
 */
export async function loadTemplates(dir: string | null = findResource('modelfiles')): Promise<ModelfileTemplate[]> {
  if (!dir) {
    throw new DeckError('io_error', 'The built-in Modelfile templates are missing.', 'Reinstall SLM Deck, or set SLM_DECK_RESOURCES to the resources folder of a checkout.');
  }
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.Modelfile')).sort();
  const out: ModelfileTemplate[] = [];
  for (const f of files) {
    const text = await fs.readFile(path.join(dir, f), 'utf8');
    const comments = text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s?/, ''));
    out.push({ id: f.replace(/\.Modelfile$/, ''), title: comments[0] ?? f, description: comments[1] ?? '', text });
  }
  return out;
}
