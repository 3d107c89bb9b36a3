import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Catalog } from '../../shared/contract/hardware';
import { DEMO_MODEL_ID, DEMO_MODEL_LABEL, type DownloadResult, type LocalModel } from '../../shared/contract/engine';
import { DeckError } from '../../shared/errors';
import { fmtSize } from '../../shared/format';
import { readJsonOrRecover, writeFileAtomic } from '../fs/atomic';
import type { Logger } from '../log/logger';
import type { TaskContext } from '../tasks/task-registry';
import { downloadFile } from './file-download';
import { hfEndpoint, listFolder, type HubTarget, type RemoteFile } from './hf-hub';
import { containedPath } from '../fs/contained-path';
import type { EngineModel } from './supervisor';

export const MANIFEST = '.slm-deck-model.json';
/** Kept free beyond the download itself, so the rest of the system does not run dry. */
const DISK_MARGIN = 256 * 1024 * 1024;

const ManifestSchema = z.object({
  version: z.literal(1),
  model: z.string(),
  label: z.string(),
  repo: z.string(),
  folder: z.string(),
  revision: z.string(),
  state: z.enum(['partial', 'complete']),
  totalBytes: z.number(),
  files: z.array(
    z.object({
      name: z.string(),
      size: z.number(),
      sha256: z.string().nullable(),
      gitOid: z.string().nullable(),
      etag: z.string().nullable(),
      done: z.boolean(),
    }),
  ),
  startedAt: z.number(),
  completedAt: z.number().nullable(),
});
type Manifest = z.infer<typeof ManifestSchema>;

/** A model the store can fetch: a catalog ONNX form with its Hugging Face repo and folder. */
export interface DownloadSource {
  id: string;
  label: string;
  repo: string;
  folder: string;
  device: string;
  approxBytes: number;
}

export interface ModelStoreOptions {
  home: string;
  log: Logger;
  hfToken: () => Promise<string | null>;
  catalog: () => Catalog | null;
  /** The tiny generated model shipped with the app, or null when it cannot be found. */
  demoDir: () => string | null;
  onChanged: (model: string) => void;
  endpoint?: () => string;
  revision?: string;
  /** Free bytes on the file system holding `dir`. */
  freeBytes?: (dir: string) => Promise<number>;
}

/** Free space for an unprivileged user on the file system holding dir. */
export async function statfsFree(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * The engine's models under <home>/models/<model id>/ (e.g. models/phi-4-mini-instruct/onnx-cpu-int4/):
 * downloads with resume and checksums, a manifest per model, listing with sizes, delete.
 */
export class ModelStore {
  readonly root: string;
  private running = new Map<string, AbortSignal>();

  constructor(private readonly deps: ModelStoreOptions) {
    this.root = path.join(deps.home, 'models');
  }

  dir(id: string): string {
    return containedPath(this.root, ...id.split('/'));
  }

  sources(): DownloadSource[] {
    const c = this.deps.catalog();
    if (!c) return [];
    return c.models.flatMap((m) =>
      m.forms
        .filter((f) => f.format === 'onnx' && f.hfRepo && f.hfFolder && !f.unavailableReason)
        .map((f) => ({ id: `${m.id}/${f.id}`, label: `${m.name} · ${f.label}`, repo: f.hfRepo!, folder: f.hfFolder!, device: f.device, approxBytes: f.weightsBytes })),
    );
  }

  demoModel(): EngineModel {
    const dir = this.deps.demoDir();
    if (!dir) {
      throw new DeckError('not_found', 'The demo model is missing from this installation.', 'Reinstall SLM Deck, or regenerate it with `npx tsx electron/engine/tiny-model/generate.ts` in a checkout.');
    }
    return { id: DEMO_MODEL_ID, label: DEMO_MODEL_LABEL, demo: true, dir };
  }

  /** Downloaded, partly downloaded and hand-copied models (a folder with genai_config.json). */
  async list(): Promise<LocalModel[]> {
    const out: LocalModel[] = [];
    for (const { id, dir } of await this.modelDirs()) {
      const manifest = await this.readManifest(dir);
      const sizeBytes = await folderBytes(dir);
      const label = manifest?.label ?? this.sources().find((s) => s.id === id)?.label ?? id;
      let state: LocalModel['state'] = manifest?.state === 'partial' ? 'partial' : 'ready';
      if (manifest?.state === 'complete' && !(await allPresent(dir, manifest))) state = 'partial';
      if (this.running.has(id)) state = 'downloading';
      out.push({
        id,
        label,
        demo: false,
        state,
        path: dir,
        sizeBytes,
        totalBytes: manifest?.totalBytes ?? (state === 'ready' ? sizeBytes : null),
        source: manifest ? `hf:${manifest.repo}/${manifest.folder}` : 'folder',
        downloadedAt: manifest?.completedAt ?? null,
      });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The demo model or a complete model of the store, ready to hand to the engine. */
  async resolve(id: string): Promise<EngineModel> {
    if (id === DEMO_MODEL_ID) return this.demoModel();
    const m = (await this.list()).find((x) => x.id === id);
    if (!m) {
      const known = this.sources().some((s) => s.id === id);
      throw new DeckError(
        'not_found',
        `The model ${id} is not in the model store.`,
        known ? `Download it first: Deploy page → Embedded, or \`slm-deck engine download ${id}\`.` : `Use ${DEMO_MODEL_ID} or a model listed by \`slm-deck engine models\`.`,
      );
    }
    if (m.state !== 'ready') {
      throw new DeckError('conflict', `${m.label} is not completely downloaded (${fmtSize(m.sizeBytes)} of ${m.totalBytes ? fmtSize(m.totalBytes) : '?'}).`, 'Download it again: it resumes where it stopped.');
    }
    return { id: m.id, label: m.label, demo: false, dir: m.path };
  }

  async download(id: string, task: TaskContext): Promise<DownloadResult> {
    const src = this.sources().find((s) => s.id === id);
    if (!src) {
      throw new DeckError('not_found', `SLM Deck does not know how to download "${id}".`, `Downloadable: ${this.sources().map((s) => s.id).join(', ') || 'none (the model catalog is missing)'}.`);
    }
    if (this.running.has(id)) throw new DeckError('conflict', `${src.label} is already downloading.`, 'Wait for it, or cancel that task first.');
    this.running.set(id, task.signal);
    this.deps.onChanged(id);
    try {
      return await this.fetchAll(src, task);
    } finally {
      this.running.delete(id);
      this.deps.onChanged(id);
    }
  }

  async delete(id: string): Promise<{ deleted: string; freedBytes: number }> {
    if (id === DEMO_MODEL_ID) throw new DeckError('invalid_input', 'The demo model is part of SLM Deck and cannot be deleted.');
    if (this.running.has(id)) throw new DeckError('conflict', `${id} is downloading.`, 'Cancel the download first.');
    const dir = this.dir(id);
    const exists = await fs.stat(dir).then(() => true, () => false);
    if (!exists) throw new DeckError('not_found', `The model ${id} is not in the model store.`, 'Refresh the list.');
    const freedBytes = await folderBytes(dir);
    await fs.rm(dir, { recursive: true, force: true });
    // models/<family>/ goes too once its last form is gone.
    const parent = path.dirname(dir);
    if (parent !== this.root) await fs.rmdir(parent).catch(() => undefined);
    this.deps.log.info('model deleted', { model: id, freedBytes });
    this.deps.onChanged(id);
    return { deleted: id, freedBytes };
  }

  /* ------------------------------------------------------------ internals */

  private async fetchAll(src: DownloadSource, task: TaskContext): Promise<DownloadResult> {
    const dir = this.dir(src.id);
    const hub: HubTarget = {
      endpoint: (this.deps.endpoint ?? hfEndpoint)(),
      repo: src.repo,
      revision: this.deps.revision ?? 'main',
      token: await this.deps.hfToken(),
      signal: task.signal,
    };
    task.update({ step: `Listing ${src.repo}/${src.folder}` });
    const files = await listFolder(hub, src.folder);
    const totalBytes = files.reduce((n, f) => n + f.size, 0);
    await fs.mkdir(dir, { recursive: true });

    // Files that changed upstream since an earlier attempt start over.
    const old = await this.readManifest(dir);
    const prev = new Map((old?.files ?? []).map((f) => [f.name, f]));
    for (const f of files) {
      const p = prev.get(f.name);
      if (p && (p.size !== f.size || p.sha256 !== f.sha256 || p.gitOid !== f.gitOid)) {
        await fs.rm(path.join(dir, f.name), { force: true });
        await fs.rm(path.join(dir, `${f.name}.part`), { force: true });
        prev.delete(f.name);
      }
    }
    const done = new Set<string>();
    let onDisk = 0;
    for (const f of files) {
      const final = await fs.stat(path.join(dir, f.name)).then((s) => s.size, () => -1);
      if (prev.get(f.name)?.done && final === f.size) {
        done.add(f.name);
        onDisk += f.size;
      } else {
        onDisk += await fs.stat(path.join(dir, `${f.name}.part`)).then((s) => Math.min(s.size, f.size), () => 0);
      }
    }

    task.update({ step: 'Checking free disk space', bytesDone: onDisk, bytesTotal: totalBytes });
    const free = await (this.deps.freeBytes ?? statfsFree)(dir);
    const needed = totalBytes - onDisk;
    if (needed + DISK_MARGIN > free) {
      throw new DeckError(
        'insufficient_resources',
        `Not enough disk space: ${src.label} needs ${fmtSize(needed)} more, but only ${fmtSize(free)} is free on the disk holding ${this.root}.`,
        'Free some space (or delete models you no longer use), then download again.',
      );
    }

    const manifest: Manifest = {
      version: 1,
      model: src.id,
      label: src.label,
      repo: src.repo,
      folder: src.folder,
      revision: hub.revision,
      state: 'partial',
      totalBytes,
      files: files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256, gitOid: f.gitOid, etag: prev.get(f.name)?.etag ?? null, done: done.has(f.name) })),
      startedAt: old?.startedAt ?? Date.now(),
      completedAt: null,
    };
    await this.writeManifest(dir, manifest);
    this.deps.log.info('model download', { model: src.id, files: files.length, totalBytes, resumeFrom: onDisk, endpoint: hub.endpoint });

    const resumedFromBytes = onDisk;
    let finished = [...done].reduce((n, name) => n + (files.find((f) => f.name === name)?.size ?? 0), 0);
    for (const f of files) {
      if (done.has(f.name)) continue;
      const dest = path.join(dir, f.name);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      const r = await downloadFile(hub, f, dest, (p) => task.update({ step: p.step, bytesDone: finished + p.bytes, bytesTotal: totalBytes }));
      finished += f.size;
      const entry = manifest.files.find((x) => x.name === f.name)!;
      entry.done = true;
      entry.etag = r.etag;
      await this.writeManifest(dir, manifest);
      task.update({ step: `Verified ${f.name}`, bytesDone: finished, bytesTotal: totalBytes });
    }
    manifest.state = 'complete';
    manifest.completedAt = Date.now();
    await this.writeManifest(dir, manifest);
    this.deps.log.info('model downloaded', { model: src.id, totalBytes, resumedFromBytes });
    return { model: src.id, path: dir, files: files.length, bytesTotal: totalBytes, resumedFromBytes };
  }

  private async readManifest(dir: string): Promise<Manifest | null> {
    const read = await readJsonOrRecover(path.join(dir, MANIFEST)).catch(() => ({ kind: 'missing' as const }));
    if (read.kind !== 'ok') return null;
    const parsed = ManifestSchema.safeParse(read.value);
    return parsed.success ? parsed.data : null;
  }

  private writeManifest(dir: string, m: Manifest): Promise<void> {
    return writeFileAtomic(path.join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
  }

  /** Folders one or two levels under models/ that hold a manifest or a genai_config.json. */
  private async modelDirs(): Promise<Array<{ id: string; dir: string }>> {
    const out: Array<{ id: string; dir: string }> = [];
    const isModel = async (dir: string) =>
      (await fs.stat(path.join(dir, MANIFEST)).then(() => true, () => false)) || (await fs.stat(path.join(dir, 'genai_config.json')).then(() => true, () => false));
    for (const a of await subdirs(this.root)) {
      const da = path.join(this.root, a);
      if (await isModel(da)) {
        out.push({ id: a, dir: da });
        continue;
      }
      for (const b of await subdirs(da)) {
        const db = path.join(da, b);
        if (await isModel(db)) out.push({ id: `${a}/${b}`, dir: db });
      }
    }
    return out;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch {
    return [];
  }
}

export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(p);
    else if (e.isFile() && e.name !== MANIFEST) total += (await fs.stat(p)).size;
  }
  return total;
}

async function allPresent(dir: string, m: Manifest): Promise<boolean> {
  for (const f of m.files) {
    const size = await fs.stat(path.join(dir, f.name)).then((s) => s.size, () => -1);
    if (size !== f.size) return false;
  }
  return true;
}

export type { RemoteFile };
