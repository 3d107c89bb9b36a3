import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isEventName, type ClientMessage, type EventName, type ServerMessage } from '../../shared/contract';
import { hostAllowed, originAllowed } from '../../shared/request-guard';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../log/logger';
import type { Dispatcher } from './dispatcher';
import { CONTENT_SECURITY_POLICY, MIME } from './static-headers';

export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface ServeOptions {
  host: string;
  port: number;
  /** Built renderer folder (index.html + assets); null serves only the API. */
  staticDir: string | null;
  token?: string;
}

export interface RunningServer {
  url: string;
  /** The URL to open, with the one-time token. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(given: string | null, expected: string): boolean {
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}

/** What the WebSocket transport needs from the core (not the composition root itself). */
export interface RpcHost {
  dispatcher: Dispatcher;
  bus: EventBus;
  log: Logger;
}

/**
 * Headless transport: serves the renderer and a WebSocket speaking the contract. Every request
 * needs a loopback (or the bound) Host; the socket also needs the per-run token and, from
 * browsers, an Origin of this server's own.
 */

export async function startWsServer(core: RpcHost, opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const log = core.log.child('ws');
  let port = opts.port;

  /** Every request goes through here: whatever a malformed one throws becomes a 400/500, never an exit. */
  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!hostAllowed(req.headers.host, opts.host)) {
      log.warn('request refused: foreign Host', { host: req.headers.host ?? null });
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request: unknown Host.');
      return;
    }
    const pathname = requestPath(req.url);
    // Lets the page tell "wrong token" apart from "server down" before opening the socket.
    if (pathname === '/api/session') {
      const auth = req.headers.authorization ?? '';
      const ok = tokenMatches(auth.startsWith('Bearer ') ? auth.slice(7) : null, token);
      res.writeHead(ok ? 204 : 401, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    await serveStatic(opts.staticDir, pathname, req, res);
  };

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parseTarget(req.url);
    if (!url) return reject(400, 'Bad Request');
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!hostAllowed(req.headers.host, opts.host)) {
      log.warn('websocket refused: foreign Host', { host: req.headers.host ?? null });
      return reject(421, 'Misdirected Request');
    }
    if (!originAllowed(req.headers.origin, opts.host, port)) {
      log.warn('websocket refused: foreign origin', { origin: req.headers.origin });
      return reject(403, 'Forbidden');
    }
    if (!tokenMatches(url.searchParams.get('token'), token)) {
      log.warn('websocket refused: bad token');
      return reject(401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleConnection(core, ws));
  };

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((e: unknown) => {
      log.error('request failed', { method: req.method ?? null, message: e instanceof Error ? e.message : String(e) });
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal error.');
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // A socket error (client gone mid-handshake) must not become an uncaught 'error' event.
    socket.on('error', () => socket.destroy());
    try {
      onUpgrade(req, socket, head);
    } catch (e) {
      log.error('upgrade failed', { message: e instanceof Error ? e.message : String(e) });
      socket.destroy();
    }
  });
  // Unparsable request lines and headers: a 400 and a closed socket.
  server.on('clientError', (_e, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const url = `http://${hostForUrl}:${port}`;
  log.info('serving', { url, staticDir: opts.staticDir });

  return {
    url,
    openUrl: `${url}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handleConnection(core: RpcHost, ws: WebSocket): void {
  const subscriptions = new Map<EventName, () => void>();
  const closed = new AbortController();
  const send = (msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  const onMessage = async (data: RawData): Promise<void> => {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(data.toString()) as ClientMessage;
      if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') throw new Error('not a message object');
    } catch (e) {
      send({ type: 'error', error: { code: 'invalid_input', message: `Malformed message: ${(e as Error).message}` } });
      return;
    }
    if (msg.type === 'call') {
      const envelope = await core.dispatcher.call(String(msg.method), msg.params, {
        transport: 'websocket',
        signal: closed.signal,
      });
      send({ type: 'result', id: msg.id, envelope });
    } else if (msg.type === 'subscribe' || msg.type === 'unsubscribe') {
      if (!isEventName(msg.event)) {
        send({ type: 'error', error: { code: 'invalid_input', message: `Unknown event "${msg.event}".` } });
        return;
      }
      const name = msg.event;
      subscriptions.get(name)?.();
      subscriptions.delete(name);
      if (msg.type === 'subscribe') {
        subscriptions.set(name, core.bus.on(name, (payload) => send({ type: 'event', event: name, payload })));
      }
    } else {
      send({ type: 'error', error: { code: 'invalid_input', message: `Unknown message type.` } });
    }
  };
  ws.on('message', (data) => {
    onMessage(data).catch((e: unknown) => {
      core.log.child('ws').error('message failed', { message: e instanceof Error ? e.message : String(e) });
      send({ type: 'error', error: { code: 'internal', message: 'The server could not handle that message.' } });
    });
  });

  // ws reports oversized or invalid frames here before closing; without a listener it would crash the process.
  ws.on('error', () => ws.terminate());

  ws.on('close', () => {
    closed.abort();
    for (const off of subscriptions.values()) off();
    subscriptions.clear();
  });
}

/** A request target as a URL, or null when it does not parse (`//[x`, `http://a b`). */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/** The decoded path of a request target; null when the target or its percent-encoding is malformed. */
function requestPath(target: string | undefined): string | null {
  const url = parseTarget(target);
  if (!url) return null;
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

async function serveStatic(dir: string | null, pathname: string | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  if (pathname === null || pathname.includes('\0')) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Malformed request path.');
    return;
  }
  if (!dir) {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('No renderer build: run `npm run build`.');
    return;
  }
  const root = path.resolve(dir);
  let file = path.resolve(root, '.' + pathname);
  if (!file.startsWith(root + path.sep) && file !== root) {
    res.writeHead(403).end();
    return;
  }
  if (pathname === '/' || !path.extname(file)) file = path.join(root, 'index.html');
  try {
    const body = await fs.readFile(file);
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }
}
