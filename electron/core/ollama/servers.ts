import type { ChatBackend } from '../../shared/contract/chat';
import type { OllamaServer } from '../../shared/contract/ollama';

/** Host and port of a URL, so the settings URL and a deployment's URL can be compared. */
function hostPort(u: string): string | null {
  try {
    const url = new URL(u);
    const host = url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname === '::1' ? '127.0.0.1' : url.hostname;
    return `${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return null;
  }
}

/**
 * Every Ollama the app knows, by name: `native` (the ollamaUrl setting, unless that address is
 * one of the app's own containers), each Ollama deployment (its deployment name) and custom
 * Ollama URLs (their label). Built from the chat backends, which already list all three.
 */
export function ollamaServers(backends: ChatBackend[], settingsUrl: string): OllamaServer[] {
  const ollamas = backends.filter((b) => b.kind === 'ollama');
  const deployments = ollamas.filter((b) => b.source === 'docker');
  const same = (a: string, b: string) => hostPort(a) !== null && hostPort(a) === hostPort(b);
  const out: OllamaServer[] = [];
  const own = deployments.find((d) => same(d.baseUrl, settingsUrl));
  if (!own) out.push({ name: 'native', url: settingsUrl.replace(/\/+$/, ''), source: 'settings', label: `Ollama at ${settingsUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '')} (settings)` });
  for (const d of deployments) {
    const name = d.id.slice('docker:'.length);
    out.push({ name, url: d.baseUrl, source: 'deployment', label: `${name} (SLM Deck container)`, ...(same(d.baseUrl, settingsUrl) ? { isSettingsUrl: true } : {}) });
  }
  for (const c of ollamas.filter((b) => b.source === 'custom')) out.push({ name: c.label, url: c.baseUrl, source: 'custom', label: `${c.label} (added URL)` });
  return out;
}

/** `--ollama NAME|URL`: a server's name (see ollamaServers), else the value as a URL. */
export function resolveOllamaServer(servers: OllamaServer[], wanted: string): string | null {
  if (/^https?:\/\//.test(wanted)) return wanted;
  return servers.find((s) => s.name === wanted)?.url ?? null;
}
