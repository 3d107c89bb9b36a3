import type { ChatBackend } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';

/**
 * Something that knows chat backends: custom URLs, the Ollama URL from settings, managed
 * Docker deployments, the embedded engine. Each owner registers its own source.
 */
export interface BackendSource {
  name: string;
  list(): Promise<ChatBackend[]> | ChatBackend[];
  /** One backend by id, for a source whose list is costly (Docker inspects every deployment). */
  find?(id: string): Promise<ChatBackend | null> | ChatBackend | null;
  /** The key its servers require as `Authorization: Bearer` (kept in the core: ChatBackend goes to the renderer). */
  apiKey?(id: string): Promise<string | undefined>;
}

/** The pluggable list of backends a chat can target. */
export class BackendRegistry {
  private sources = new Map<string, BackendSource>();

  constructor(
    private bus: EventBus,
    private log: Logger,
  ) {}

  /** Adds (or replaces) a source; returns a function that removes it. */
  register(source: BackendSource): () => void {
    this.sources.set(source.name, source);
    this.changed();
    return () => {
      if (this.sources.get(source.name) === source) {
        this.sources.delete(source.name);
        this.changed();
      }
    };
  }

  /** Sources call this when their backends change so clients refetch. */
  changed(): void {
    this.bus.emit('chat.backendsChanged', {});
  }

  async list(): Promise<ChatBackend[]> {
    const lists = await Promise.all(
      [...this.sources.values()].map(async (s) => {
        try {
          return await s.list();
        } catch (e) {
          // One broken source (Docker down) must not hide the others.
          this.sourceFailed(s, e);
          return [];
        }
      }),
    );
    const seen = new Set<string>();
    return lists.flat().filter((b) => !seen.has(b.id) && seen.add(b.id));
  }

  /** Runs before every chat request: source by source, so a chat to one backend does not list all of Docker. */
  async resolve(id: string): Promise<ChatBackend> {
    for (const s of this.sources.values()) {
      try {
        const found = s.find ? await s.find(id) : (await s.list()).find((b) => b.id === id);
        if (found) return found;
      } catch (e) {
        this.sourceFailed(s, e);
      }
    }
    const all = await this.list();
    throw new DeckError(
      'not_found',
      `The backend "${id}" is not available.`,
      all.length
        ? `Pick another backend (${all.map((b) => b.label).join(', ')}), or start its deployment on the Deploy page.`
        : 'Deploy a backend on the Deploy page, or add an OpenAI-compatible URL in the Playground.',
    );
  }

  /** The key a request to this backend must carry, from the source that contributed it; undefined when none is needed. */
  async apiKey(b: ChatBackend): Promise<string | undefined> {
    return this.sources.get(b.source)?.apiKey?.(b.id);
  }

  private sourceFailed(s: BackendSource, e: unknown): void {
    this.log.warn('backend source failed', { source: s.name, error: e instanceof Error ? e.message : String(e) });
  }
}
