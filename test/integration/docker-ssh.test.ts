import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServices, testCore, type TestCore } from './docker-helpers';

// The test services' sshd in front of the test daemon (test/services/up.sh writes these).
const SSH_HOST = process.env.SLM_TEST_SSH_DOCKER_HOST ?? 'ssh://root@127.0.0.1:22022';
const STATE = process.env.SLM_TEST_STATE ?? '/tmp/slm-deck-test';
const KEY = process.env.SLM_TEST_SSH_KEY ?? `${STATE}/sshd/client_ed25519`;
const KNOWN_HOSTS = process.env.SLM_TEST_SSH_KNOWN_HOSTS ?? `${STATE}/sshd/known_hosts`;

let t: TestCore;

beforeAll(async () => {
  await ensureServices();
  // How a user points SLM Deck at a key and a known_hosts file other than ~/.ssh's.
  process.env.SLM_DECK_SSH_IDENTITY = KEY;
  process.env.SLM_DECK_SSH_KNOWN_HOSTS = KNOWN_HOSTS;
  t = await testCore(SSH_HOST);
});

afterAll(async () => {
  await t?.core.close();
});

describe('Docker on a remote host over SSH', () => {
  it('reports a reachable remote daemon with its own CPUs, memory and GPUs', async () => {
    const s = await t.call('docker.status', { refresh: true });
    expect(s).toMatchObject({ state: 'reachable', remote: true, endpoint: SSH_HOST, source: 'settings', engine: 'docker' });
    expect(s.cpus).toBeGreaterThan(0);
    expect(s.memoryBytes).toBeGreaterThan(0);
    expect(s.gpu.available).toBe(false);
  });

  it('refuses a host whose key is not in known_hosts, naming the fingerprint ssh-keygen shows on the host', async () => {
    // The same sshd under another name: known_hosts lists it only as [127.0.0.1]:port.
    const unknown = SSH_HOST.replace('127.0.0.1', 'localhost');
    await t.call('settings.set', { dockerEndpoint: unknown });
    const s = await t.call('docker.status', { refresh: true });
    const printed = execFileSync('ssh-keygen', ['-lf', `${STATE}/sshd/host_ed25519_key.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(s.state).toBe('error');
    expect(s.message).toBe(`The SSH host key of [localhost]:${new URL(unknown).port} is not known: ssh-ed25519 ${printed}. SLM Deck does not connect to unknown hosts.`);
    expect(s.hint).toContain(`ssh-keyscan -p ${new URL(unknown).port} -t ssh-ed25519 localhost >> ${KNOWN_HOSTS}`);
    // Nothing was added behind the user's back.
    expect(readFileSync(KNOWN_HOSTS, 'utf8')).not.toContain('localhost');
    await expect(t.call('docker.list', {})).rejects.toMatchObject({ code: 'docker_unavailable', message: expect.stringContaining(printed) });
    await t.call('settings.set', { dockerEndpoint: SSH_HOST });
  });
});
