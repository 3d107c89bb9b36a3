import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DeckError } from '../../shared/errors';
import { analyzeModelfile, looksLikePath, summarize, toCreateRequest, type OllamaCreateRequest } from '../../shared/modelfile';
import type { TaskContext } from '../tasks/task-registry';
import type { OllamaClient } from './client';
import { followProgress } from './pull';

/** Refuses a Modelfile with errors, carrying every diagnostic for the UI and CLI. */
export function assertValid(text: string, label: string) {
  const a = analyzeModelfile(text);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const first = errors[0];
    throw new DeckError(
      'invalid_input',
      `${label} has ${errors.length === 1 ? 'a mistake' : `${errors.length} mistakes`}: line ${first.line}, column ${first.column}: ${first.message}`,
      first.hint ?? 'Fix the marked lines and try again.',
      a.diagnostics,
    );
  }
  return a;
}

function expandPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}

async function sha256File(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * FROM a GGUF file or ADAPTER: Ollama reads blobs, not paths, so the file is hashed and
 * uploaded (POST /api/blobs/:digest) unless the server already has it.
 */
async function uploadLocal(client: OllamaClient, value: string, baseDir: string, kind: 'FROM' | 'ADAPTER', ctx: TaskContext): Promise<Record<string, string>> {
  const file = expandPath(value, baseDir);
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new DeckError('not_found', `${kind} ${value}: there is no file at ${file}.`, 'Paths are relative to the Modelfile (for saved variants: their folder); use an absolute path to be sure.');
  }
  if (stat.isDirectory()) {
    throw new DeckError(
      'invalid_input',
      `${kind} ${value} is a folder: SLM Deck uploads single GGUF files.`,
      'Convert the safetensors folder with `ollama create` on the Ollama machine, or point at a .gguf file.',
    );
  }
  ctx.update({ step: `Hashing ${path.basename(file)}`, detail: undefined, bytesDone: 0, bytesTotal: stat.size });
  const digest = await sha256File(file, ctx.signal);
  if (!(await client.hasBlob(digest, ctx.signal))) {
    let sent = 0;
    const counted = createReadStream(file, { signal: ctx.signal });
    counted.on('data', (c) => {
      sent += (c as Buffer).length;
      ctx.update({ step: `Uploading ${path.basename(file)}`, bytesDone: sent, bytesTotal: stat.size });
    });
    await client.pushBlob(digest, Readable.toWeb(counted) as ReadableStream<Uint8Array>, ctx.signal);
  }
  return { [path.basename(file)]: digest };
}

export interface CreateOutcome {
  model: string;
  steps: string[];
  request: OllamaCreateRequest;
}

/** Parses and checks the Modelfile, uploads local files, and streams POST /api/create. */
export async function runCreate(
  client: OllamaClient,
  model: string,
  text: string,
  opts: { baseDir: string; quantize?: string },
  ctx: TaskContext,
): Promise<CreateOutcome> {
  ctx.update({ step: 'Checking the Modelfile' });
  const a = assertValid(text, `The Modelfile of ${model}`);
  const s = summarize(a.nodes);
  const files = s.from && looksLikePath(s.from) ? await uploadLocal(client, s.from, opts.baseDir, 'FROM', ctx) : undefined;
  const adapters = s.adapters[0] ? await uploadLocal(client, s.adapters[0], opts.baseDir, 'ADAPTER', ctx) : undefined;
  const request = toCreateRequest(a.nodes, model, { files, adapters }, { quantize: opts.quantize });
  // The check passed: what follows (and may fail, e.g. Ollama down) is Ollama's part.
  ctx.update({ step: 'Creating in Ollama' });
  const outcome = await followProgress(client.create(request, ctx.signal), ctx);
  return { model, steps: outcome.steps, request };
}
