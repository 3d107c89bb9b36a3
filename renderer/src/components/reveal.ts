import { useEffect, type RefObject } from 'react';

/**
 * Brings an action's outcome into view when it changes: a result or an error that appears
 * below the fold is otherwise easy to miss. Only scrolls when the element is not in view.
 */
export function useReveal(ref: RefObject<HTMLElement | null>, key: unknown, when = true): void {
  useEffect(() => {
    if (when) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [ref, key, when]);
}
