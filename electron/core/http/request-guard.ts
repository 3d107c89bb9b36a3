import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(given: string | null, expected: string): boolean {
  return given !== null && timingSafeEqual(digest(given), digest(expected));
}


/** 127.0.0.0/8, ::1 and `localhost`: names a page on another site cannot rebind to this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The name part of a Host header (`[::1]:80` -> `::1`, `Example:80` -> `example`); null when malformed. */
export function hostHeaderName(header: string): string | null {
  const h = header.trim().toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]/@]+))(?::\d{1,5})?$/.exec(h);
  return m ? (m[1] ?? m[2]) : null;
}

/**
 * DNS-rebinding guard: a browser on a hostile page can reach a loopback server through a
 * name that resolves to 127.0.0.1, but it then sends that name as the Host. Allowed: loopback
 * names and addresses, the address the server was told to bind, and, on a wildcard bind, any
 * IP literal (a literal cannot be rebound).
 */
export function hostAllowed(header: string | undefined, bindHost: string): boolean {
  if (header === undefined) return false;
  const name = hostHeaderName(header);
  if (name === null) return false;
  if (isLoopback(name)) return true;
  const bound = bindHost.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === bound) return true;
  return WILDCARDS.has(bound) && isIP(name) !== 0;
}

/**
 * Same-server check for browser requests: a page served from this host:port (any name the Host
 * check accepts) may call; any other site may not. Non-browser clients send no Origin.
 */
export function originAllowed(origin: string | undefined, bindHost: string, port: number): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const urlPort = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return urlPort === port && hostAllowed(url.host, bindHost);
}
