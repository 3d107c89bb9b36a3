import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ChatProtocolSchema, type ChatBackend, type ChatProtocol } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import type { Logger } from '../log/logger';
import type { BackendSource } from './backend-registry';

const FileSchema = z.object({
  version: z.literal(1),
  backends: z.array(
    z.object({ id: z.string(), label: z.string(), baseUrl: z.string().url(), kind: ChatProtocolSchema, model: z.string().optional() }),
  ),
});
type Stored = z.infer<typeof FileSchema>['backends'][number];

/**
 * OpenAI-compatible (or Ollama) servers the user added by URL, kept in
 * `<home>/chat-backends.json`.
 */
export class CustomBackends implements BackendSource {
  readonly name = 'custom';
  readonly file: string;
  private backends: Stored[] | null = null;

  constructor(
    home: string,
    private log: Logger,
    private onChange: () => void = () => undefined,
  ) {
    this.file = path.join(home, 'chat-backends.json');
  }

  async list(): Promise<ChatBackend[]> {
    return (await this.load()).map(toBackend);
  }

  async add(input: { label: string; baseUrl: string; kind: ChatProtocol; model?: string }): Promise<ChatBackend> {
    const list = await this.load();
    const stored: Stored = {
      id: `custom:${randomUUID().slice(0, 8)}`,
      label: input.label.trim(),
      baseUrl: normaliseBaseUrl(input.baseUrl, input.kind),
      kind: input.kind,
      ...(input.model ? { model: input.model } : {}),
    };
    if (list.some((b) => b.baseUrl === stored.baseUrl && b.kind === stored.kind)) {
      throw new DeckError('conflict', `${stored.baseUrl} is already a backend.`, 'Pick it from the backend list.');
    }
    this.backends = [...list, stored];
    await this.save();
    return toBackend(stored);
  }

  async remove(id: string): Promise<boolean> {
    const list = await this.load();
    const next = list.filter((b) => b.id !== id);
    if (next.length === list.length) return false;
    this.backends = next;
    await this.save();
    return true;
  }

  private async load(): Promise<Stored[]> {
    if (this.backends) return this.backends;
    const read = await readJsonOrRecover(this.file);
    if (read.kind === 'ok') {
      const parsed = FileSchema.safeParse(read.value);
      if (parsed.success) this.backends = parsed.data.backends;
      else {
        this.log.warn('custom backends file invalid; starting empty', { file: this.file });
        await writeFileAtomic(`${this.file}.bak`, JSON.stringify(read.value, null, 2));
        this.backends = [];
      }
    } else {
      if (read.kind === 'corrupt') this.log.warn('custom backends file unreadable; kept as .bak', { reason: read.reason });
      this.backends = [];
    }
    return this.backends;
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, backends: this.backends }, null, 2) + '\n');
    this.onChange();
  }
}

function toBackend(b: Stored): ChatBackend {
  return { ...b, source: 'custom', removable: true };
}

/** OpenAI clients take the base with `/v1`; people paste `http://host:8000` just as often. */
export function normaliseBaseUrl(raw: string, kind: ChatProtocol): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new DeckError('invalid_input', `"${raw}" is not a URL.`, 'Use e.g. http://127.0.0.1:8000/v1');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new DeckError('invalid_input', `Only http and https URLs are supported, not ${u.protocol}`, 'Use e.g. http://127.0.0.1:8000/v1');
  }
  let p = u.pathname.replace(/\/+$/, '');
  if (kind === 'openai') {
    p = p.replace(/\/chat\/completions$/, '');
    if (p === '') p = '/v1';
  } else {
    p = p.replace(/\/api(\/chat)?$/, '');
  }
  return `${u.protocol}//${u.host}${p}`;
}
