import { create } from 'zustand';

export const PAGES = ['overview', 'deploy', 'models', 'playground', 'monitor', 'benchmark', 'settings'] as const;
export type Page = (typeof PAGES)[number];

function fromHash(): Page {
  const h = window.location.hash.replace(/^#\/?/, '').split('?')[0];
  return (PAGES as readonly string[]).includes(h) ? (h as Page) : 'overview';
}

interface NavStore {
  page: Page;
  go(page: Page): void;
}

/** The page lives in the URL hash so a reload (or a shared link) opens the same page. */
export const useNavigation = create<NavStore>((set) => ({
  page: fromHash(),
  go: (page) => {
    window.location.hash = `/${page}`;
    set({ page });
  },
}));

window.addEventListener('hashchange', () => useNavigation.setState({ page: fromHash() }));
