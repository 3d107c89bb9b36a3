import type { ClientMessage, Envelope, ServerMessage } from '../../../electron/shared/contract';

/** What the preload exposes in the desktop app, and what the WebSocket client imitates. */
export interface DeckBridge {
  call(method: string, params: unknown): Promise<Envelope<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

declare global {
  interface Window {
    deck?: DeckBridge;
  }
}

const TOKEN_KEY = 'slm-deck-token';
const CALL_WAIT_MS = 10_000;

/** The token arrives once in the URL; keep it for reloads of this tab and drop it from the address bar. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const unreachable = (message: string): Envelope<never> => ({
  ok: false,
  error: {
    code: 'server_unreachable',
    message,
    hint: 'Is `slm-deck serve` still running? The page reconnects by itself when it is back.',
  },
});

/**
 * WebSocket client for `slm-deck serve`: reconnects with backoff after a server restart,
 * re-subscribes to its events, and tells the UI about its state.
 */
export class WsBridge implements DeckBridge {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, (env: Envelope<unknown>) => void>();
  private listeners = new Map<string, Set<(p: unknown) => void>>();
  private retry = 0;
  /** Calls made while (re)connecting wait for the socket instead of failing at once. */
  private waiting: Array<() => void> = [];

  constructor(
    private token: string | null,
    private onState: (s: ConnectionState) => void,
    private onReconnect: () => void,
  ) {
    void this.connect(false);
  }

  private async connect(again: boolean): Promise<void> {
    this.onState(again ? 'reconnecting' : 'connecting');
    if (!this.token) return this.unauthorized();
    let status = 0;
    try {
      status = (await fetch('/api/session', { headers: { Authorization: `Bearer ${this.token}` } })).status;
    } catch {
      return this.scheduleReconnect();
    }
    if (status === 401) return this.unauthorized();
    if (status !== 204) return this.scheduleReconnect();

    const proto = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${window.location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      for (const name of this.listeners.keys()) this.send({ type: 'subscribe', event: name });
      this.onState('open');
      for (const go of this.waiting.splice(0)) go();
      if (again) this.onReconnect();
    };
    ws.onmessage = (m) => this.receive(JSON.parse(String(m.data)) as ServerMessage);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const resolve of this.pending.values()) resolve(unreachable('The connection to SLM Deck was lost.'));
      this.pending.clear();
      this.scheduleReconnect();
    };
  }

  private unauthorized(): void {
    this.onState('unauthorized');
    for (const go of this.waiting.splice(0)) go();
  }

  private scheduleReconnect(): void {
    this.onState('reconnecting');
    const delay = Math.min(5000, 300 * 2 ** this.retry++);
    setTimeout(() => void this.connect(true), delay);
  }

  private receive(msg: ServerMessage): void {
    if (msg.type === 'result') {
      this.pending.get(msg.id)?.(msg.envelope);
      this.pending.delete(msg.id);
    } else if (msg.type === 'event') {
      for (const fn of this.listeners.get(msg.event) ?? []) fn(msg.payload);
    }
  }

  private send(msg: ClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  async call(method: string, params: unknown): Promise<Envelope<unknown>> {
    if (this.ws?.readyState !== WebSocket.OPEN) await this.whenOpen(CALL_WAIT_MS);
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.send({ type: 'call', id, method, params })) {
        resolve(unreachable('Not connected to SLM Deck.'));
        return;
      }
      this.pending.set(id, resolve);
    });
  }

  private whenOpen(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const go = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== go);
        resolve();
      }, ms);
      this.waiting.push(go);
    });
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
      this.send({ type: 'subscribe', event });
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(event);
        this.send({ type: 'unsubscribe', event });
      }
    };
  }
}
