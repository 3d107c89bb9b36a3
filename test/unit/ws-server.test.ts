import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore, type Core } from '../../electron/core/app-core';
import { MAX_MESSAGE_BYTES, startWsServer, tokenMatches, type RunningServer } from '../../electron/core/rpc/ws-server';
import { tempHome } from '../helpers/serve';

let server: RunningServer | undefined;
let core: Core | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start() {
  core = await createCore({ home: tempHome() });
  server = await startWsServer(core, { host: '127.0.0.1', port: 0, staticDir: null, token: 'secret-token' });
  return server;
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Messages are queued as they arrive, so two that come in one tick are both seen. */
const inbox = new WeakMap<WebSocket, { queue: Array<Record<string, unknown>>; waiters: Array<(m: Record<string, unknown>) => void> }>();
function next(ws: WebSocket): Promise<Record<string, unknown>> {
  let box = inbox.get(ws);
  if (!box) {
    const b = { queue: [] as Array<Record<string, unknown>>, waiters: [] as Array<(m: Record<string, unknown>) => void> };
    ws.on('message', (d) => {
      const msg = JSON.parse(d.toString());
      const w = b.waiters.shift();
      if (w) w(msg);
      else b.queue.push(msg);
    });
    inbox.set(ws, (box = b));
  }
  const queued = box.queue.shift();
  if (queued) return Promise.resolve(queued);
  return new Promise((resolve) => box!.waiters.push(resolve));
}

describe('WebSocket server', () => {
  it('binds the loopback interface and refuses a socket without the token', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ws = s.url.replace('http', 'ws');
    await expect(connect(`${ws}/ws`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${ws}/ws?token=wrong`)).rejects.toThrow('HTTP 401');
    const res = await fetch(`${s.url}/api/session`, { headers: { Authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
  });

  it('refuses a browser Origin other than its own', async () => {
    const s = await start();
    const ws = s.url.replace('http', 'ws');
    await expect(connect(`${ws}/ws?token=secret-token`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    const ok = await connect(`${ws}/ws?token=secret-token`, { Origin: s.url });
    ok.close();
  });

  it('answers calls and survives malformed messages on the same connection', async () => {
    const s = await start();
    const ws = await connect(`${s.url.replace('http', 'ws')}/ws?token=secret-token`);
    ws.send('{not json');
    expect(await next(ws)).toMatchObject({ type: 'error', error: { code: 'invalid_input' } });
    ws.send(JSON.stringify({ type: 'call', id: 7, method: 'app.info', params: {} }));
    expect(await next(ws)).toMatchObject({ type: 'result', id: 7, envelope: { ok: true, result: { transport: 'websocket' } } });
    ws.send(JSON.stringify({ type: 'call', id: 8, method: 'settings.set', params: { bindHost: 'x' } }));
    expect(await next(ws)).toMatchObject({ id: 8, envelope: { ok: false, error: { code: 'invalid_input' } } });
    ws.close();
  });

  it('delivers subscribed events and stops after unsubscribe or close', async () => {
    const s = await start();
    const ws = await connect(`${s.url.replace('http', 'ws')}/ws?token=secret-token`);
    // Services listen too; count only what the socket adds.
    const base = core!.bus.listenerCount('settings.changed');
    ws.send(JSON.stringify({ type: 'subscribe', event: 'settings.changed' }));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'settings.set', params: { theme: 'dark' } }));
    const got = [await next(ws), await next(ws)];
    expect(got.find((m) => m.type === 'event')).toMatchObject({ event: 'settings.changed', payload: { settings: { theme: 'dark' } } });
    expect(core!.bus.listenerCount('settings.changed')).toBe(base + 1);
    ws.close();
    await expect.poll(() => core!.bus.listenerCount('settings.changed')).toBe(base);
  });

  it('closes a connection that sends an oversized message', async () => {
    const s = await start();
    const ws = await connect(`${s.url.replace('http', 'ws')}/ws?token=secret-token`);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
  });

  it('compares tokens without leaking length', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abcd', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
  });
});
