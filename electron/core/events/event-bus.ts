import type { EventName, EventPayload } from '../../shared/contract';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

/** In-process pub/sub for contract events. Transports subscribe per connection and unsubscribe when it closes. */
export class EventBus {
  private listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const fn = listener as (payload: unknown) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const fn of this.listeners.get(name) ?? []) {
      try {
        fn(payload);
      } catch {
        // One broken subscriber (e.g. a closed socket) must not stop the others.
      }
    }
  }

  listenerCount(name: EventName): number {
    return this.listeners.get(name)?.size ?? 0;
  }
}
