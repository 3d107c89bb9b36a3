import type { VariantDiff, VariantSummary } from '../../shared/contract/ollama';
import { DeckError } from '../../shared/errors';
import { analyzeModelfile, looksLikePath, summarize, toCreateRequest, type Diagnostic } from '../../shared/modelfile';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { TaskRegistry } from '../tasks/task-registry';
import { runCreate } from './create';
import type { OllamaService } from './ollama-service';
import { loadTemplates } from './templates';
import { diffAgainstBase, diffVersions } from './variant-diff';
import type { VariantStore } from './variant-store';

export interface VariantDeps {
  store: VariantStore;
  ollama: OllamaService;
  tasks: TaskRegistry;
  bus: EventBus;
  log: Logger;
  templatesDir?: string | null;
}

/** Saved Modelfile variants: versions on disk, created in Ollama through the structured API. */
export class VariantService {
  constructor(private deps: VariantDeps) {}

  templates() {
    return loadTemplates(this.deps.templatesDir);
  }

  validate(text: string): { diagnostics: Diagnostic[]; request: Record<string, unknown> | null } {
    const a = analyzeModelfile(text);
    const ok = a.errorCount === 0;
    return { diagnostics: a.diagnostics, request: ok ? { ...toCreateRequest(a.nodes, '<name>') } : null };
  }

  list(): Promise<VariantSummary[]> {
    return this.deps.store.list();
  }

  async get(name: string, version?: number) {
    const v = await this.deps.store.get(name, version);
    return { ...v, diagnostics: analyzeModelfile(v.text).diagnostics };
  }

  async save(name: string, text: string, note?: string) {
    const r = await this.deps.store.save(name, text, note);
    if (!r.unchanged) this.deps.bus.emit('variants.changed', { name });
    return r;
  }

  async remove(name: string) {
    await this.deps.store.remove(name);
    this.deps.bus.emit('variants.changed', { name });
    return { deleted: name };
  }

  /** Creates (or updates) the Ollama model `name` from a saved version, as a task. */
  async create(name: string, version?: number, url?: string, quantize?: string): Promise<{ taskId: string }> {
    const v = await this.deps.store.get(name, version);
    const client = this.deps.ollama.client(url);
    const verb = (await this.existsInOllama(name, url)) ? 'Update' : 'Create';
    return this.deps.tasks.start('ollama.create', `${verb} ${name} (v${v.version})`, async (ctx) => {
      const outcome = await runCreate(client, name, v.text, { baseDir: this.deps.store.dir(name), quantize }, ctx);
      await this.deps.store.markCreated(name, v.version, client.url);
      this.deps.log.info('variant created in Ollama', { name, version: v.version, url: client.url });
      this.deps.bus.emit('ollama.changed', { url: client.url, reason: 'created', model: name });
      this.deps.bus.emit('variants.changed', { name });
      return { model: outcome.model, version: v.version, steps: outcome.steps };
    });
  }

  async exportBundle(name: string) {
    const bundle = await this.deps.store.exportBundle(name);
    return { fileName: `${name}.slm-variant.json`, bundle: JSON.stringify(bundle, null, 2) + '\n' };
  }

  async importBundle(text: string, name?: string) {
    const v = await this.deps.store.importText(text, name);
    this.deps.bus.emit('variants.changed', { name: v.name });
    return v;
  }

  async diffVersions(name: string, from: number, to: number): Promise<VariantDiff> {
    const a = await this.deps.store.get(name, from);
    const b = await this.deps.store.get(name, to);
    return diffVersions(a.text, b.text, `${name} v${from}`, `${name} v${to}`);
  }

  async diffBase(name: string, version?: number, url?: string): Promise<VariantDiff> {
    const v = await this.deps.store.get(name, version);
    const from = summarize(analyzeModelfile(v.text).nodes).from;
    if (!from || looksLikePath(from)) {
      throw new DeckError(
        'invalid_input',
        `${name} v${v.version} is built from ${from ? `the file ${from}` : 'nothing'}, not from an installed model, so there is no base model to compare with.`,
        'Compare two versions instead.',
      );
    }
    const base = await this.deps.ollama.show(from, url);
    return diffAgainstBase(v.text, `${name} v${v.version}`, { name: from, parameters: base.parameters, system: base.system, template: base.template });
  }

  private async existsInOllama(name: string, url?: string): Promise<boolean> {
    try {
      return (await this.deps.ollama.client(url).tags()).models.some((m) => m.name.replace(/:latest$/, '').toLowerCase() === name);
    } catch {
      return false;
    }
  }
}
