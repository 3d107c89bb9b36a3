import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, HostKeyCheck, hostKeyMessage, keyType, knownKeys, parseSshEndpoint, type SshTarget } from '../../electron/core/docker/ssh';

// Keys made with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed for them.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIEld5YlTfY6Wb85lW6YWggngCZtfvbYRVUsYn6lgftem';
const ED25519_FP = 'SHA256:GN0sT9+CryAgAn13emuNXKI2jvY1GBseImoxwI6r5As';
const ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBArk5etCicieX8xkdDJZp9IomHoRJ1RH3szeZl4DD1URkz/v4bOkmxszIgXpzTWT0XmoMrbtoxRUKe86bNKBmuI=';
const ECDSA_FP = 'SHA256:D93afNURrz++b0AQzYwLK2lJyHx+O6Uk5fqXt+ohAFM';
// `ssh-keygen -H` of "[gpu.example]:2200 ssh-ed25519 ED25519".
const HASHED = `|1|eXqiLllaNc3nvbOI8RoS28DzjAw=|+1cPdoueDJvMsYNGTRMBXenBTQM= ssh-ed25519 ${ED25519}`;

const key = (b64: string) => Buffer.from(b64, 'base64');
const gpuBox: SshTarget = { host: 'gpu.example', port: 2200, username: 'me' };

function checkWith(knownHosts: string, target: SshTarget = gpuBox): HostKeyCheck {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'slm-deck-kh-')), 'known_hosts');
  writeFileSync(file, knownHosts);
  return new HostKeyCheck(target, file);
}

describe('ssh endpoints and host keys', () => {
  it('reads user, host and port from ssh:// URLs, defaulting the port to 22 and the user to $USER', () => {
    expect(parseSshEndpoint('ssh://me@gpu.example:2200', {})).toEqual({ host: 'gpu.example', port: 2200, username: 'me' });
    expect(parseSshEndpoint('ssh://gpu.example', { USER: 'dev' })).toEqual({ host: 'gpu.example', port: 22, username: 'dev' });
    expect(parseSshEndpoint('ssh://me@[::1]:2222', {})).toEqual({ host: '::1', port: 2222, username: 'me' });
    expect(() => parseSshEndpoint('ssh://gpu.example', {})).toThrow(/names no user/);
  });

  it('prints fingerprints and key types the way ssh-keygen does', () => {
    expect(fingerprint(key(ED25519))).toBe(ED25519_FP);
    expect(fingerprint(key(ECDSA))).toBe(ECDSA_FP);
    expect(keyType(key(ED25519))).toBe('ssh-ed25519');
    expect(keyType(key(ECDSA))).toBe('ecdsa-sha2-nistp256');
  });

  it('finds keys by [host]:port, plain host on port 22, hashed names, wildcards and negations', () => {
    expect(knownKeys(`[gpu.example]:2200 ssh-ed25519 ${ED25519}`, gpuBox).keys).toHaveLength(1);
    expect(knownKeys(`gpu.example ssh-ed25519 ${ED25519}`, gpuBox).keys).toHaveLength(0);
    expect(knownKeys(`other,gpu.example ssh-ed25519 ${ED25519}`, { ...gpuBox, port: 22 }).keys).toHaveLength(1);
    expect(knownKeys(HASHED, gpuBox).keys).toHaveLength(1);
    expect(knownKeys(HASHED, { ...gpuBox, port: 22 }).keys).toHaveLength(0);
    expect(knownKeys(`*.example,!gpu.example ssh-ed25519 ${ED25519}`, { ...gpuBox, port: 22 }).keys).toHaveLength(0);
    expect(knownKeys(`# comment\n\n*.example ssh-ed25519 ${ED25519}`, { ...gpuBox, port: 22 }).keys).toHaveLength(1);
  });

  it('accepts only a listed key; an unlisted host is refused with its fingerprint', () => {
    expect(checkWith(HASHED).verify(key(ED25519))).toBe(true);
    const unknown = checkWith('');
    expect(unknown.verify(key(ED25519))).toBe(false);
    expect(unknown.problem).toMatchObject({ kind: 'unknown', host: '[gpu.example]:2200', keyType: 'ssh-ed25519', fingerprint: ED25519_FP });
    const m = hostKeyMessage(unknown.problem!);
    expect(m.message).toBe(`The SSH host key of [gpu.example]:2200 is not known: ssh-ed25519 ${ED25519_FP}. SLM Deck does not connect to unknown hosts.`);
    expect(m.hint).toContain(`ssh-keyscan -p 2200 -t ssh-ed25519 gpu.example >> ${unknown.knownHostsFile}`);
    expect(m.hint).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  });

  it('calls a different key of a listed type a changed key, and honours @revoked', () => {
    // The ECDSA key listed, an ECDSA key offered that is not it: changed. An ed25519 key offered: merely unknown.
    const otherEcdsa = Buffer.concat([key(ECDSA).subarray(0, -1), Buffer.from([0])]);
    const changed = checkWith(`[gpu.example]:2200 ecdsa-sha2-nistp256 ${ECDSA}`);
    expect(changed.verify(otherEcdsa)).toBe(false);
    expect(changed.problem?.kind).toBe('changed');
    expect(hostKeyMessage(changed.problem!).message).toContain('has CHANGED');
    expect(hostKeyMessage(changed.problem!).hint).toContain("ssh-keygen -R '[gpu.example]:2200'");
    const other = checkWith(`[gpu.example]:2200 ecdsa-sha2-nistp256 ${ECDSA}`);
    expect(other.verify(key(ED25519))).toBe(false);
    expect(other.problem?.kind).toBe('unknown');
    const revoked = checkWith(`@revoked [gpu.example]:2200 ssh-ed25519 ${ED25519}\n[gpu.example]:2200 ssh-ed25519 ${ED25519}`);
    expect(revoked.verify(key(ED25519))).toBe(false);
    expect(revoked.problem?.kind).toBe('revoked');
  });
});
