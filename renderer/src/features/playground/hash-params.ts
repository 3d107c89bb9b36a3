import { useCallback, useEffect, useState } from 'react';

/** Playground state that should survive a reload lives in the hash query: #/playground?c=ID */
function read(): URLSearchParams {
  return new URLSearchParams(window.location.hash.split('?')[1] ?? '');
}

export function useHashParams(): [URLSearchParams, (patch: Record<string, string | null>) => void] {
  const [params, setParams] = useState(read);
  useEffect(() => {
    const on = () => setParams(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  // Stable, so callbacks built on it (the Playground's select) stay stable while a reply streams.
  const update = useCallback((patch: Record<string, string | null>) => {
    const next = read();
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    const page = window.location.hash.replace(/^#\/?/, '').split('?')[0] || 'playground';
    const q = next.toString();
    // replaceState: switching conversations should not fill the back button history.
    window.history.replaceState(null, '', `#/${page}${q ? `?${q}` : ''}`);
    setParams(next);
  }, []);
  return [params, update];
}
