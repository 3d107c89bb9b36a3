import { create } from 'zustand';

interface OllamaTarget {
  /** The Ollama the Models page manages (a URL from ollama.servers); undefined = the ollamaUrl setting. */
  url?: string;
  set(url: string | undefined): void;
}

/** Which Ollama the Models page works on: the native one or one of the app's Ollama deployments. */
export const useOllamaTarget = create<OllamaTarget>((set) => ({
  set: (url) => set({ url }),
}));

/** `{ url }` for ollama.* calls, or nothing for the setting's URL. */
export function targetParams(url: string | undefined): { url?: string } {
  return url ? { url } : {};
}

/** The params of the Ollama the Models page works on, for its ollama.* calls. */
export function useOllamaParams(): { url?: string } {
  return targetParams(useOllamaTarget((s) => s.url));
}
