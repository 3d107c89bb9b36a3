import { create } from 'zustand';

/** The variant editor's unsaved text, kept while the user visits other pages ('' = a new variant). */
export interface VariantDraft {
  name: string;
  text: string;
}

interface VariantDraftStore {
  drafts: Record<string, VariantDraft>;
  keep(key: string, draft: VariantDraft): void;
  drop(key: string): void;
}

export const useVariantDrafts = create<VariantDraftStore>((set) => ({
  drafts: {},
  keep: (key, draft) => set((s) => ({ drafts: { ...s.drafts, [key]: draft } })),
  drop: (key) =>
    set((s) => {
      const { [key]: _gone, ...rest } = s.drafts;
      return { drafts: rest };
    }),
}));
