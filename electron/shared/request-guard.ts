/**
 * Host and Origin checks shared by the headless server (core) and the engine process. Pure
 * TypeScript (IP literals recognised through zod), so both import it without importing each other.
 */
import { z } from 'zod';

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();
const isIPv4 = (s: string) => ipv4.safeParse(s).success;
const isIpLiteral = (s: string) => isIPv4(s) || ipv6.safeParse(s).success;

/** 127.0.0.0/8, ::1 and `localhost`: names a page on another site cannot rebind to this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || (isIPv4(h) && h.startsWith('127.'));
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
  return WILDCARDS.has(bound) && isIpLiteral(name);
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
