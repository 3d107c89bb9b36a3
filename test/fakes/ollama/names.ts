/**
 * Ollama model names (types/model/name.go): [host/][namespace/]model[:tag], with defaults
 * registry.ollama.ai / library / latest, compared case-insensitively.
 */
export interface ModelName {
  host: string;
  namespace: string;
  model: string;
  tag: string;
}

const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$/;
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,349}(:\d+)?$/;

export function parseName(raw: string): ModelName | null {
  if (!raw || /\s/.test(raw)) return null;
  let rest = raw;
  let tag = 'latest';
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  if (parts.length > 3) return null;
  const model = parts.pop() ?? '';
  const namespace = parts.pop() ?? 'library';
  const host = parts.pop() ?? 'registry.ollama.ai';
  if (!PART.test(model) || !PART.test(tag) || !PART.test(namespace) || !HOST.test(host)) return null;
  return { host, namespace, model, tag };
}

/** The short form /api/tags and /api/ps show: `phi4-mini:latest`, `me/thing:v1`. */
export function displayShortest(n: ModelName): string {
  if (n.host.toLowerCase() !== 'registry.ollama.ai') return `${n.host}/${n.namespace}/${n.model}:${n.tag}`;
  if (n.namespace.toLowerCase() !== 'library') return `${n.namespace}/${n.model}:${n.tag}`;
  return `${n.model}:${n.tag}`;
}

/** Key for lookups: names are case-insensitive in Ollama. */
export function nameKey(raw: string): string | null {
  const n = parseName(raw);
  return n ? displayShortest(n).toLowerCase() : null;
}
