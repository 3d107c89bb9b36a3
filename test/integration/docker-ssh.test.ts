import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { ROOT, tempHome } from '../helpers/serve';
import { atPlannerMinimum, cleanup, ensureServices, freePort, testCore, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-ssh';

// The test services' sshd in front of the test daemon (test/services/up.sh writes these).
const SSH_HOST = process.env.SLM_TEST_SSH_DOCKER_HOST ?? 'ssh://root@127.0.0.1:22022';
const STATE = process.env.SLM_TEST_STATE ?? '/tmp/slm-deck-test';
const KEY = process.env.SLM_TEST_SSH_KEY ?? `${STATE}/sshd/client_ed25519`;
const KNOWN_HOSTS = process.env.SLM_TEST_SSH_KNOWN_HOSTS ?? `${STATE}/sshd/known_hosts`;

let t: TestCore;

beforeAll(async () => {
  await ensureServices();
  await cleanup(PREFIX);
  // How a user points SLM Deck at a key and a known_hosts file other than ~/.ssh's.
  process.env.SLM_DECK_SSH_IDENTITY = KEY;
  process.env.SLM_DECK_SSH_KNOWN_HOSTS = KNOWN_HOSTS;
  t = await testCore(SSH_HOST);
});

afterAll(async () => {
  await t?.core.close();
  await cleanup(PREFIX);
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

  it('deploys on the remote host, is ready once it answers through a local tunnel to its loopback port, chats there, and closes the tunnel on remove', async () => {
    const name = uniqueName('ssh-vllm');
    const port = await freePort();
    const done = await t.task('docker.deploy', atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort: port, cpus: 1 }));
    expect(done.error).toBeUndefined();
    const result = DeployResultSchema.parse(done.result);
    const dep = result.deployment;
    // Ready means answering there too: the check went through the tunnel to a one-token chat.
    expect(result.ready).toMatchObject({ modelListed: true });
    expect(result.ready!.firstTokenMs).toBeGreaterThan(0);
    expect(result.ready!.stages.map((st) => st.stage)).toEqual(expect.arrayContaining(['load', 'first-token']));
    // Published on the remote host's 127.0.0.1:port; this machine reaches it on a port of its own.
    expect(dep.containers[0].ports).toEqual([{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8000 }]);
    const local = Number(new URL(dep.endpoint!.url).port);
    expect(dep.endpoint!.url).toBe(`http://127.0.0.1:${local}`);
    expect(local).not.toBe(port);
    expect(dep.endpoint!.curl).toContain(`http://127.0.0.1:${local}/v1/chat/completions`);

    const backend = (await t.call('chat.backends', {})).find((b) => b.id === `docker:${name}`);
    expect(backend).toMatchObject({ kind: 'openai', baseUrl: `http://127.0.0.1:${local}/v1` });
    const conv = await t.call('chat.create', { backendId: backend!.id, params: { temperature: 0 } });
    const sent = await t.call('chat.send', { conversationId: conv.id, content: 'Hello! Who are you?' });
    await t.core.chat.settled(conv.id);
    const reply = (await t.call('chat.get', { id: conv.id })).messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(reply.error).toBeUndefined();
    expect(reply.content.length).toBeGreaterThan(0);

    await t.call('docker.remove', { name });
    await expect(fetch(`http://127.0.0.1:${local}/v1/models`)).rejects.toThrow();
  });

  it('slm-deck docker says the daemon is remote and describes that host; slm-deck kube prints manifests', () => {
    const home = tempHome();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin', 'slm-deck.js'), ...args], { env: { ...process.env, SLM_DECK_HOME: home }, encoding: 'utf8', timeout: 60_000 });
    expect(cli('settings', 'set', 'dockerEndpoint', SSH_HOST).status).toBe(0);
    const r = cli('docker');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`endpoint: ${SSH_HOST} (settings)`);
    expect(r.stdout).toMatch(/^remote host: \d+ CPUs, [\d.]+ GB memory, GPUs: none; deployments are reached through SSH tunnels$/m);
    const kube = cli('kube', 'vllm-gpu', '--gpus', '0', '--memory', '16');
    expect(kube.status).toBe(0);
    expect(kube.stdout).toContain('kubectl apply -f slm-deck-vllm-gpu.yaml');
    expect(kube.stdout.match(/^kind: \w+$/gm)).toEqual(['kind: PersistentVolumeClaim', 'kind: Deployment', 'kind: Service']);
    expect(kube.stdout).toContain('nvidia.com/gpu: "1"');
  });
});
