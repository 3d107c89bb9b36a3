import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, MIME } from '../core/rpc/static-headers';

/**
 * The window loads the renderer from app://deck/, not file://: the page gets its own origin
 * (a file:// 'self' matches every local file) and its CSP as a response header.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'deck';
export const RENDERER_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** For protocol.registerSchemesAsPrivileged, before the app is ready. */
export const APP_SCHEME_PRIVILEGES = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } };

/** True for the app's own pages (any path or hash under app://deck/). */
export function isOwnPage(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

const HEADERS = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

const status = (code: number) => new Response(null, { status: code, headers: HEADERS });

/** The handler for protocol.handle: files under `rootDir` only, each with the CSP header. */
export function appProtocolHandler(rootDir: string): (req: Request) => Promise<Response> {
  const root = path.resolve(rootDir);
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return status(405);
    let url: URL;
    let rel: string;
    try {
      url = new URL(req.url);
      rel = decodeURIComponent(url.pathname);
    } catch {
      return status(400);
    }
    if (url.host !== APP_HOST || rel.includes('\0')) return status(404);
    const file = path.resolve(root, '.' + (rel === '/' ? '/index.html' : rel));
    // URL parsing already folds "..", but an encoded one (%2e%2e%2f, %5c on Windows) survives until decoding.
    const inside = path.relative(root, file);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return status(403);
    try {
      const body = await fs.readFile(file);
      return new Response(req.method === 'HEAD' ? null : body, {
        status: 200,
        headers: { ...HEADERS, 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream' },
      });
    } catch {
      return status(404);
    }
  };
}
