import type { Catalog, HardwareProfile } from '../../shared/contract/hardware';
import type { InstalledModel, LoadedModel, ModelDetails, Suggestion } from '../../shared/contract/ollama';
import { isDeckError } from '../../shared/errors';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { SettingsService } from '../settings/settings-service';
import type { TaskRegistry } from '../tasks/task-registry';
import { OllamaClient } from './client';
import { runPull } from './pull';
import { parseShowParameters } from './show-parameters';
import { suggestionsFrom } from './suggestions';

export interface OllamaDeps {
  settings: SettingsService;
  tasks: TaskRegistry;
  bus: EventBus;
  log: Logger;
  catalog: Catalog;
  /** The hardware profile for fit verdicts; null when it cannot be had. */
  hardwareProfile?: () => Promise<HardwareProfile>;
  fetch?: typeof fetch;
  /** Names of saved variants, to mark them in the installed list. */
  variantNames?: () => Promise<Set<string>>;
}

/** Installed and loaded models of one Ollama server, and pulls. */
export class OllamaService {
  constructor(private deps: OllamaDeps) {}

  client(url?: string): OllamaClient {
    return new OllamaClient(url ?? this.deps.settings.get().ollamaUrl, { fetch: this.deps.fetch });
  }

  async status(url?: string, signal?: AbortSignal) {
    const c = this.client(url);
    try {
      return { url: c.url, reachable: true, version: await c.version(signal) };
    } catch (e) {
      if (!isDeckError(e)) throw e;
      return { url: c.url, reachable: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    }
  }

  async list(url?: string, signal?: AbortSignal): Promise<InstalledModel[]> {
    const tags = await this.client(url).tags(signal);
    const variants = (await this.deps.variantNames?.()) ?? new Set<string>();
    return tags.models.map((m) => ({
      name: m.name,
      sizeBytes: m.size,
      digest: m.digest,
      modifiedAt: m.modified_at,
      format: m.details?.format ?? '',
      family: m.details?.family ?? '',
      parameterSize: m.details?.parameter_size ?? '',
      quantization: m.details?.quantization_level ?? '',
      variant: variants.has(m.name.replace(/:latest$/, '').toLowerCase()),
    }));
  }

  async show(model: string, url?: string, signal?: AbortSignal): Promise<ModelDetails> {
    const s = await this.client(url).show(model, signal);
    const info = s.model_info ?? {};
    const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : null;
    const ctx = arch ? info[`${arch}.context_length`] : undefined;
    const count = info['general.parameter_count'];
    return {
      name: model,
      format: s.details?.format ?? '',
      family: s.details?.family ?? '',
      parameterSize: s.details?.parameter_size ?? '',
      quantization: s.details?.quantization_level ?? '',
      parameters: parseShowParameters(s.parameters),
      template: s.template ?? '',
      system: s.system ?? '',
      license: s.license ?? '',
      messages: s.messages ?? [],
      capabilities: s.capabilities ?? [],
      contextLength: typeof ctx === 'number' ? ctx : null,
      parameterCount: typeof count === 'number' ? count : null,
      architecture: arch,
      modelfile: s.modelfile ?? '',
      ...(s.modified_at ? { modifiedAt: s.modified_at } : {}),
    };
  }

  async remove(model: string, url?: string, signal?: AbortSignal) {
    const c = this.client(url);
    await c.remove(model, signal);
    this.deps.log.info('model deleted', { model, url: c.url });
    this.deps.bus.emit('ollama.changed', { url: c.url, reason: 'deleted', model });
    return { deleted: model };
  }

  async copy(source: string, destination: string, url?: string, signal?: AbortSignal) {
    const c = this.client(url);
    await c.copy(source, destination, signal);
    this.deps.bus.emit('ollama.changed', { url: c.url, reason: 'copied', model: destination });
    return { created: destination };
  }

  async ps(url?: string, signal?: AbortSignal): Promise<LoadedModel[]> {
    const ps = await this.client(url).ps(signal);
    return ps.models.map((m) => {
      const vram = Math.min(m.size, m.size_vram ?? 0);
      return { name: m.name, sizeBytes: m.size, vramBytes: vram, ramBytes: m.size - vram, expiresAt: m.expires_at, contextLength: m.context_length ?? null };
    });
  }

  async unload(model: string, url?: string, signal?: AbortSignal) {
    const c = this.client(url);
    await c.unload(model, signal);
    this.deps.bus.emit('ollama.changed', { url: c.url, reason: 'unloaded', model });
    return { unloaded: model };
  }

  /** A pull as a task: one progress bar over every layer; cancelling keeps partial blobs. */
  pull(model: string, url?: string): { taskId: string } {
    const c = this.client(url);
    return this.deps.tasks.start('ollama.pull', `Pull ${model}`, async (ctx) => {
      const result = await runPull(c, model, ctx);
      this.deps.log.info('model pulled', { model, url: c.url, bytes: result.bytesTotal, resumedFrom: result.resumedFromBytes });
      this.deps.bus.emit('ollama.changed', { url: c.url, reason: 'pulled', model });
      return result;
    });
  }

  async suggestions(url?: string, signal?: AbortSignal): Promise<Suggestion[]> {
    const installed = new Set<string>();
    try {
      for (const m of (await this.client(url).tags(signal)).models) installed.add(m.name.toLowerCase());
    } catch (e) {
      if (!isDeckError(e)) throw e;
    }
    let profile: HardwareProfile | null = null;
    try {
      profile = (await this.deps.hardwareProfile?.()) ?? null;
    } catch (e) {
      this.deps.log.warn('no hardware profile for fit verdicts', { error: e instanceof Error ? e.message : String(e) });
    }
    return suggestionsFrom(this.deps.catalog, installed, profile);
  }
}
