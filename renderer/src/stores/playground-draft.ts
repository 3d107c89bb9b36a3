import { create } from 'zustand';

interface PlaygroundDraft {
  /** A chat backend id (see chat.backends), e.g. `ollama` or `embedded`. */
  backend?: string;
  model?: string;
  /** Other pages call this before navigating to the Playground ("Try in Playground"). */
  set(draft: { backend?: string; model?: string }): void;
  clear(): void;
}

/** Hand-off to the Playground: it opens a new chat with this backend and model, then clears it. */
export const usePlaygroundDraft = create<PlaygroundDraft>((set) => ({
  set: (draft) => set({ backend: draft.backend, model: draft.model }),
  clear: () => set({ backend: undefined, model: undefined }),
}));
