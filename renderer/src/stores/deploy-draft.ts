import { create } from 'zustand';
import type { DeploymentConfig } from '../../../electron/shared/contract/deploy-config';

/** A deployment prepared elsewhere (the Overview's recommendation) for the Deploy page to start. */
export interface DeployDraft {
  config: DeploymentConfig;
  /** Where it came from, shown on the Deploy page, e.g. the plan's headline. */
  origin: string;
  createdAt: number;
}

interface DeployDraftStore {
  draft: DeployDraft | null;
  setDraft(config: DeploymentConfig, origin: string): void;
  clear(): void;
}

export const useDeployDraft = create<DeployDraftStore>((set) => ({
  draft: null,
  setDraft: (config, origin) => set({ draft: { config, origin, createdAt: Date.now() } }),
  clear: () => set({ draft: null }),
}));
