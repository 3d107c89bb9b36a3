import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  VariantBundleSchema,
  VariantNameSchema,
  VariantVersionSchema,
  type VariantBundle,
  type VariantSummary,
} from '../../shared/contract/ollama';
import { DeckError } from '../../shared/errors';
import { analyzeModelfile, normaliseNewlines, summarize } from '../../shared/modelfile';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import type { Logger } from '../log/logger';
import { containedPath } from '../fs/contained-path';
import { assertValid } from './create';

const MetaSchema = z.object({
  name: VariantNameSchema,
  createdAt: z.string(),
  versions: z.array(VariantVersionSchema),
  created: z.object({ version: z.number(), at: z.string(), url: z.string() }).optional(),
});
type Meta = z.infer<typeof MetaSchema>;

const VERSION_FILE = /^v(\d+)\.Modelfile$/;

/**
 * Variants as plain files, so they can be versioned, backed up and re-created elsewhere:
 * `<home>/variants/<name>/v1.Modelfile, v2.Modelfile, …` plus `variant.json` (save times,
 * notes, which version was last created in Ollama). Versions are never rewritten.
 */
export class VariantStore {
  readonly root: string;
  private locks = new Map<string, Promise<unknown>>();

  constructor(
    home: string,
    private log: Logger,
    private clock: () => Date = () => new Date(),
  ) {
    this.root = path.join(home, 'variants');
  }

  dir(name: string): string {
    return containedPath(this.root, VariantNameSchema.parse(name));
  }

  async list(): Promise<VariantSummary[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: VariantSummary[] = [];
    for (const name of entries.sort()) {
      if (!VariantNameSchema.safeParse(name).success) continue;
      const meta = await this.meta(name);
      if (meta && meta.versions.length) out.push(this.summary(meta));
    }
    return out;
  }

  async get(name: string, version?: number): Promise<VariantSummary & { version: number; text: string }> {
    const meta = await this.requireMeta(name);
    const v = version ?? meta.versions.at(-1)!.version;
    if (!meta.versions.some((x) => x.version === v)) {
      throw new DeckError('not_found', `${name} has no version ${v}.`, `Versions: ${meta.versions.map((x) => x.version).join(', ')}.`);
    }
    const text = await fs.readFile(this.file(name, v), 'utf8');
    return { ...this.summary(meta), version: v, text };
  }

  /** Saves the next version; refuses text with errors; saving the latest text again is a no-op. */
  save(name: string, text: string, note?: string): Promise<{ name: string; version: number; unchanged: boolean }> {
    return this.locked(name, async () => {
      VariantNameSchema.parse(name);
      const clean = normaliseNewlines(text).replace(/\s*$/, '\n');
      const a = assertValid(clean, `The Modelfile of ${name}`);
      const meta = (await this.meta(name)) ?? { name, createdAt: this.clock().toISOString(), versions: [] };
      const latest = meta.versions.at(-1);
      if (latest) {
        const current = await fs.readFile(this.file(name, latest.version), 'utf8').catch(() => null);
        if (current === clean) return { name, version: latest.version, unchanged: true };
      }
      const version = (latest?.version ?? 0) + 1;
      await writeFileAtomic(this.file(name, version), clean);
      const from = summarize(a.nodes).from;
      meta.versions.push({ version, savedAt: this.clock().toISOString(), ...(note ? { note } : {}), ...(from ? { from } : {}) });
      await this.writeMeta(meta);
      this.log.info('variant saved', { name, version });
      return { name, version, unchanged: false };
    });
  }

  async markCreated(name: string, version: number, url: string): Promise<void> {
    await this.locked(name, async () => {
      const meta = await this.requireMeta(name);
      meta.created = { version, at: this.clock().toISOString(), url };
      await this.writeMeta(meta);
    });
  }

  async remove(name: string): Promise<void> {
    await this.locked(name, async () => {
      await this.requireMeta(name);
      await fs.rm(this.dir(name), { recursive: true, force: true });
    });
  }

  async exportBundle(name: string): Promise<VariantBundle> {
    const meta = await this.requireMeta(name);
    const versions = [];
    for (const v of meta.versions) {
      versions.push({ version: v.version, savedAt: v.savedAt, ...(v.note ? { note: v.note } : {}), modelfile: await fs.readFile(this.file(name, v.version), 'utf8') });
    }
    return { format: 'slm-deck.variant', formatVersion: 1, name, exportedAt: this.clock().toISOString(), versions };
  }

  /**
   * Imports a bundle (all versions, renumbered from 1 in order) or a plain Modelfile (needs
   * `as`). Refuses a name in use and any version with errors, naming the version and line.
   */
  async importText(input: string, as?: string): Promise<VariantSummary> {
    const trimmed = input.trim();
    let bundle: VariantBundle;
    if (trimmed.startsWith('{')) {
      let raw: unknown;
      try {
        raw = JSON.parse(trimmed);
      } catch (e) {
        throw new DeckError('invalid_input', `The file is not valid JSON (${(e as Error).message}).`, 'Import a bundle exported by SLM Deck, or a plain Modelfile.');
      }
      const parsed = VariantBundleSchema.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new DeckError('invalid_input', `This is not an SLM Deck variant bundle (${i.path.join('.') || 'top level'}: ${i.message}).`, 'Export bundles with `slm-deck variant export NAME`.');
      }
      bundle = parsed.data;
    } else {
      if (!as) throw new DeckError('invalid_input', 'A plain Modelfile needs a name for the variant.', 'Pass --name NAME (CLI) or fill in the name field.');
      bundle = { format: 'slm-deck.variant', formatVersion: 1, name: as, exportedAt: this.clock().toISOString(), versions: [{ version: 1, savedAt: this.clock().toISOString(), modelfile: input }] };
    }
    const name = VariantNameSchema.parse(as ?? bundle.name);
    return this.locked(name, async () => {
      if (await this.meta(name)) {
        throw new DeckError('conflict', `A variant named ${name} already exists.`, 'Import under another name (--name), or delete the existing variant first.');
      }
      const ordered = [...bundle.versions].sort((a, b) => a.version - b.version);
      ordered.forEach((v) => assertValid(v.modelfile, `Version ${v.version} of ${name}`));
      const meta: Meta = { name, createdAt: this.clock().toISOString(), versions: [] };
      for (const [i, v] of ordered.entries()) {
        const text = normaliseNewlines(v.modelfile).replace(/\s*$/, '\n');
        await writeFileAtomic(this.file(name, i + 1), text);
        const from = summarize(analyzeModelfile(text).nodes).from;
        meta.versions.push({ version: i + 1, savedAt: v.savedAt, ...(v.note ? { note: v.note } : {}), ...(from ? { from } : {}) });
      }
      await this.writeMeta(meta);
      return this.summary(meta);
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private file(name: string, version: number): string {
    return path.join(this.dir(name), `v${version}.Modelfile`);
  }

  private summary(meta: Meta): VariantSummary {
    const latest = meta.versions.at(-1)!;
    return {
      name: meta.name,
      latestVersion: latest.version,
      versions: meta.versions,
      ...(latest.from ? { from: latest.from } : {}),
      ...(meta.created ? { created: meta.created } : {}),
      dir: this.dir(meta.name),
    };
  }

  private async requireMeta(name: string): Promise<Meta> {
    const meta = await this.meta(name);
    if (!meta || !meta.versions.length) {
      throw new DeckError('not_found', `No saved variant named ${name}.`, 'List saved variants with `slm-deck variant list`.');
    }
    return meta;
  }

  /** variant.json, or rebuilt from the version files when it is missing or unreadable. */
  private async meta(name: string): Promise<Meta | null> {
    const dir = this.dir(name);
    const read = await readJsonOrRecover(path.join(dir, 'variant.json')).catch(() => ({ kind: 'missing' as const }));
    if (read.kind === 'ok') {
      const parsed = MetaSchema.safeParse(read.value);
      if (parsed.success) return parsed.data;
    }
    let files: string[];
    try {
      files = await fs.readdir(dir);
    } catch {
      return null;
    }
    const versions = files
      .map((f) => VERSION_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    if (!versions.length) return null;
    this.log.warn('variant.json missing or unreadable; rebuilt from the version files', { name });
    const meta: Meta = { name, createdAt: this.clock().toISOString(), versions: [] };
    for (const v of versions) {
      const stat = await fs.stat(this.file(name, v));
      meta.versions.push({ version: v, savedAt: stat.mtime.toISOString() });
    }
    await this.writeMeta(meta);
    return meta;
  }

  private async writeMeta(meta: Meta): Promise<void> {
    await writeFileAtomic(path.join(this.dir(meta.name), 'variant.json'), JSON.stringify(meta, null, 2) + '\n');
  }

  private locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }
}
