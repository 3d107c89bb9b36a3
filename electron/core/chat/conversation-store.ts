import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConversationSchema, type Conversation, type ConversationSummary } from '../../shared/contract/chat';
import { DeckError } from '../../shared/errors';
import { readJsonOrRecover, recoverTemps, writeFileAtomic } from '../fs/atomic';
import { containedPath } from '../fs/contained-path';
import type { Logger } from '../log/logger';

const ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Conversations as one JSON file each under `<home>/conversations`, written atomically.
 * Writes of one conversation are serialised and coalesced: while a write is in flight only
 * the latest state is queued. A reply that was streaming when the process died is found
 * with status `streaming` on load and reported as `interrupted`, keeping its text.
 */
export class ConversationStore {
  readonly dir: string;
  private cache: Map<string, Conversation> | null = null;
  private loading: Promise<Map<string, Conversation>> | null = null;
  private writing = new Map<string, Promise<void>>();
  private queued = new Set<string>();
  private timers = new Map<string, NodeJS.Timeout>();

  constructor(
    home: string,
    private log: Logger,
  ) {
    this.dir = path.join(home, 'conversations');
  }

  async list(): Promise<Conversation[]> {
    return [...(await this.all()).values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async get(id: string): Promise<Conversation> {
    const c = ID.test(id) ? (await this.all()).get(id) : undefined;
    if (!c) throw new DeckError('not_found', `No conversation with id "${id}".`, 'It may have been deleted; pick one from the list.');
    return c;
  }

  async put(c: Conversation): Promise<void> {
    (await this.all()).set(c.id, c);
    await this.save(c.id);
  }

  async delete(id: string): Promise<boolean> {
    const all = await this.all();
    if (!all.delete(id)) return false;
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    await this.writing.get(id);
    await fs.rm(this.file(id), { force: true });
    return true;
  }

  /** Saves now (after any write in flight); resolves when this state is on disk. */
  async save(id: string): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const inFlight = this.writing.get(id);
    if (inFlight) {
      this.queued.add(id);
      await inFlight;
      if (!this.queued.has(id)) return this.writing.get(id);
    }
    this.queued.delete(id);
    const p = this.write(id).finally(() => {
      if (this.writing.get(id) === p) this.writing.delete(id);
    });
    this.writing.set(id, p);
    return p;
  }

  /** Saves within `ms` unless a save is already scheduled: used while a reply streams. */
  saveSoon(id: string, ms: number): void {
    if (this.timers.has(id)) return;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.save(id).catch((e) => this.log.error('saving conversation failed', { id, error: String(e) }));
      }, ms),
    );
  }

  /** Waits for every pending and scheduled write (shutdown). */
  async flush(): Promise<void> {
    const ids = new Set([...this.timers.keys(), ...this.writing.keys()]);
    await Promise.all([...ids].map((id) => this.save(id)));
  }

  summarise(c: Conversation, snippet?: string): ConversationSummary {
    return {
      id: c.id,
      title: c.title,
      updatedAt: c.updatedAt,
      backendId: c.backendId,
      backendLabel: c.backendLabel,
      ...(c.model ? { model: c.model } : {}),
      messageCount: c.messages.length,
      ...(c.compareId ? { compareId: c.compareId } : {}),
      streaming: c.messages.some((m) => m.status === 'streaming'),
      ...(snippet ? { snippet } : {}),
    };
  }

  private async write(id: string): Promise<void> {
    const c = this.cache?.get(id);
    if (!c) return;
    await writeFileAtomic(this.file(id), JSON.stringify(c));
  }

  private file(id: string): string {
    if (!ID.test(id)) throw new DeckError('invalid_input', `"${id}" is not a conversation id.`);
    return containedPath(this.dir, `${id}.json`);
  }

  private all(): Promise<Map<string, Conversation>> {
    if (this.cache) return Promise.resolve(this.cache);
    this.loading ??= this.load().then((m) => (this.cache = m));
    return this.loading;
  }

  private async load(): Promise<Map<string, Conversation>> {
    const map = new Map<string, Conversation>();
    const temps = await recoverTemps(this.dir);
    if (temps.recovered.length > 0) this.log.warn('recovered conversations from writes a crash interrupted', { count: temps.recovered.length });
    if (temps.removed.length > 0) this.log.info('removed temporary files of interrupted writes', { count: temps.removed.length });
    let names: string[] = [];
    try {
      names = (await fs.readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      const read = await readJsonOrRecover(file);
      if (read.kind === 'corrupt') {
        this.log.warn('conversation file unreadable; kept as .bak', { file, reason: read.reason });
        continue;
      }
      if (read.kind !== 'ok') continue;
      const parsed = ConversationSchema.safeParse(read.value);
      if (!parsed.success) {
        this.log.warn('conversation file invalid; skipped', { file, issue: parsed.error.issues[0]?.message });
        continue;
      }
      const c = parsed.data;
      // The id decides which file a later delete removes: it must be this file's own name.
      if (!ID.test(c.id) || `${c.id}.json` !== name) {
        this.log.warn('conversation file names another id; skipped', { file });
        continue;
      }
      for (const m of c.messages) {
        if (m.status === 'streaming') {
          m.status = 'interrupted';
          m.error = {
            code: 'cancelled',
            message: 'SLM Deck stopped while this reply was streaming; the text that had arrived is kept.',
          };
        }
      }
      map.set(c.id, c);
    }
    return map;
  }
}
