import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectConfig } from 'ssh2';
import { DeckError } from '../../shared/errors';

/** Where an ssh:// Docker endpoint points. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
}

export function parseSshEndpoint(url: string, env: NodeJS.ProcessEnv): SshTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DeckError('invalid_input', `"${url}" is not an SSH endpoint.`, 'Use ssh://user@host or ssh://user@host:port.');
  }
  const username = decodeURIComponent(u.username) || env.USER || env.LOGNAME || '';
  if (!username) throw new DeckError('invalid_input', `"${url}" names no user.`, 'Use ssh://user@host.');
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 22), username };
}

/** `SHA256:…` as `ssh-keygen -lf` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

/** How known_hosts names a host: `host`, or `[host]:port` off port 22. */
function knownHostName(t: SshTarget): string {
  return t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

/** One known_hosts host field against a name: plain patterns (with `*`, `?`, `!`) or a hashed `|1|salt|hash`. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let hit = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      hit = true;
    }
  }
  return hit;
}

/** The keys known_hosts lists for a host (revoked ones apart), by type. */
export function knownKeys(text: string, t: SshTarget): { keys: Buffer[]; revoked: Buffer[] } {
  const name = knownHostName(t);
  const keys: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const marker = parts[0].startsWith('@') ? parts.shift() : undefined;
    const [hosts, , b64] = parts;
    if (!hosts || !b64 || !hostFieldMatches(hosts, name)) continue;
    if (marker === '@cert-authority') continue;
    (marker === '@revoked' ? revoked : keys).push(Buffer.from(b64, 'base64'));
  }
  return { keys, revoked };
}

export interface HostKeyProblem {
  kind: 'unknown' | 'changed' | 'revoked';
  host: string;
  keyType: string;
  fingerprint: string;
  knownHosts: string;
}

/** Checks the server's key against known_hosts; remembers why it refused, for the status message. */
export class HostKeyCheck {
  problem: HostKeyProblem | null = null;

  constructor(
    private target: SshTarget,
    readonly knownHostsFile: string,
  ) {}

  verify = (key: Buffer): boolean => {
    let text = '';
    try {
      text = readFileSync(this.knownHostsFile, 'utf8');
    } catch {
      // No file: every host is unknown.
    }
    const { keys, revoked } = knownKeys(text, this.target);
    const base = { host: knownHostName(this.target), keyType: keyType(key), fingerprint: fingerprint(key), knownHosts: this.knownHostsFile };
    if (revoked.some((k) => k.equals(key))) {
      this.problem = { kind: 'revoked', ...base };
      return false;
    }
    if (keys.some((k) => k.equals(key))) {
      this.problem = null;
      return true;
    }
    // A listed key of the same type that differs is a changed key; anything else is unknown.
    this.problem = { kind: keys.some((k) => keyType(k) === base.keyType) ? 'changed' : 'unknown', ...base };
    return false;
  };
}

/** A person's words for a refused host key: the fingerprint to compare, and how to accept it knowingly. */
export function hostKeyMessage(p: HostKeyProblem): { message: string; hint: string } {
  const [host, port] = p.host.startsWith('[') ? [p.host.slice(1, p.host.indexOf(']')), p.host.slice(p.host.indexOf(']:') + 2)] : [p.host, '22'];
  const scan = `ssh-keyscan${port !== '22' ? ` -p ${port}` : ''} -t ${p.keyType} ${host} >> ${p.knownHosts}`;
  if (p.kind === 'unknown') {
    return {
      message: `The SSH host key of ${p.host} is not known: ${p.keyType} ${p.fingerprint}. SLM Deck does not connect to unknown hosts.`,
      hint: `Compare the fingerprint with \`ssh-keygen -lf /etc/ssh/ssh_host_${p.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub\` on that machine, then add it: \`${scan}\` (or connect once with \`ssh -p ${port} ${host}\`).`,
    };
  }
  return {
    message: `The SSH host key of ${p.host} ${p.kind === 'revoked' ? 'is revoked' : 'has CHANGED'}: it is now ${p.keyType} ${p.fingerprint}, not the one in ${p.knownHosts}. Someone may be intercepting the connection.`,
    hint: `If the machine was reinstalled, remove the old key with \`ssh-keygen -R '${p.host}' -f ${p.knownHosts}\` and check the new fingerprint before adding it.`,
  };
}

/** Key files ssh tries by default, in its order. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * ssh2 options for an endpoint: the agent (SSH_AUTH_SOCK) and a key file
 * (SLM_DECK_SSH_IDENTITY, else ~/.ssh/id_*), host key checked against known_hosts
 * (SLM_DECK_SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts). Never accepts an unknown host.
 */
export function sshConnectConfig(t: SshTarget, env: NodeJS.ProcessEnv, home: string): { config: ConnectConfig; check: HostKeyCheck } {
  const sshDir = path.join(home, '.ssh');
  const keyFile = env.SLM_DECK_SSH_IDENTITY || DEFAULT_KEYS.map((k) => path.join(sshDir, k)).find((f) => existsSync(f));
  let privateKey: Buffer | undefined;
  if (keyFile) {
    try {
      privateKey = readFileSync(keyFile);
    } catch (e) {
      throw new DeckError('invalid_input', `Cannot read the SSH key ${keyFile}: ${(e as Error).message}.`, 'Set SLM_DECK_SSH_IDENTITY to a readable private key, or load the key into ssh-agent.');
    }
  }
  const check = new HostKeyCheck(t, env.SLM_DECK_SSH_KNOWN_HOSTS || path.join(sshDir, 'known_hosts'));
  return {
    config: {
      host: t.host,
      port: t.port,
      username: t.username,
      ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
      ...(privateKey ? { privateKey } : {}),
      hostVerifier: check.verify,
      readyTimeout: 10_000,
    },
    check,
  };
}
