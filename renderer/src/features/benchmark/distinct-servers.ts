import type { ChatBackend } from '../../../../electron/shared/contract/chat';

/**
 * One entry per server: the settings' Ollama URL and an Ollama deployment on the same port are
 * one server (benchmarking it twice would only halve its speed). The deployment is kept: its
 * container's memory can be measured.
 */
export function distinctServers(list: ChatBackend[]): ChatBackend[] {
  const key = (b: ChatBackend) => `${b.kind} ${b.baseUrl.replace(/\/+$/, '').replace('//localhost', '//127.0.0.1')}`;
  const best = new Map<string, ChatBackend>();
  for (const b of list) {
    const seen = best.get(key(b));
    if (!seen || (b.source === 'docker' && seen.source !== 'docker')) best.set(key(b), b);
  }
  return list.filter((b) => best.get(key(b)) === b);
}
