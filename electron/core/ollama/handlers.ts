import type { OllamaServer } from '../../shared/contract/ollama';
import type { DomainHandlers } from '../rpc/handlers';
import type { OllamaService } from './ollama-service';
import type { VariantService } from './variant-service';

export function ollamaHandlers(ollama: OllamaService, variants: VariantService, servers: () => Promise<OllamaServer[]>): DomainHandlers<'ollama'> & DomainHandlers<'variants'> {
  return {
    'ollama.servers': () => servers(),
    'ollama.status': ({ url }, ctx) => ollama.status(url, ctx.signal),
    'ollama.list': ({ url }, ctx) => ollama.list(url, ctx.signal),
    'ollama.show': ({ model, url }, ctx) => ollama.show(model, url, ctx.signal),
    'ollama.delete': ({ model, url }, ctx) => ollama.remove(model, url, ctx.signal),
    'ollama.copy': ({ source, destination, url }, ctx) => ollama.copy(source, destination, url, ctx.signal),
    'ollama.pull': ({ model, url }) => ollama.pull(model, url),
    'ollama.ps': ({ url }, ctx) => ollama.ps(url, ctx.signal),
    'ollama.unload': ({ model, url }, ctx) => ollama.unload(model, url, ctx.signal),
    'ollama.suggestions': ({ url }, ctx) => ollama.suggestions(url, ctx.signal),

    'variants.templates': () => variants.templates(),
    'variants.validate': ({ text }) => variants.validate(text),
    'variants.list': () => variants.list(),
    'variants.get': ({ name, version }) => variants.get(name, version),
    'variants.save': ({ name, text, note }) => variants.save(name, text, note),
    'variants.delete': ({ name }) => variants.remove(name),
    'variants.create': ({ name, version, url, quantize }) => variants.create(name, version, url, quantize),
    'variants.export': ({ name }) => variants.exportBundle(name),
    'variants.import': ({ bundle, name }) => variants.importBundle(bundle, name),
    'variants.diffVersions': ({ name, from, to }) => variants.diffVersions(name, from, to),
    'variants.diffBase': ({ name, version, url }) => variants.diffBase(name, version, url),
  };
}
