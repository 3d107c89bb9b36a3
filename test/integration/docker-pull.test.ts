import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageExists } from '../../electron/core/docker/pull';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { isDeckError } from '../../electron/shared/errors';
import { DOCKER_HOST, ensureServices, rawDocker, REGISTRY, testCore, type TestCore } from './docker-helpers';

const MB = 1024 * 1024;
/** Storage folder of the test registry (test/services/up.sh). */
const REGISTRY_STORE = path.join(process.env.SLM_TEST_STATE ?? '/tmp/slm-deck-test', 'registry');
let t: TestCore;
const repos: string[] = [];

/** A fresh image of one random layer, pushed as REPO:v1 (and with `alsoAs`, the same image under more tags). */
function pushUniqueImage(sizeMb: number, alsoAs: string[] = []): string {
  const repo = `slm-deck-test/pull-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-pull-'));
  writeFileSync(path.join(dir, 'blob.bin'), randomBytes(sizeMb * MB));
  const ref = `${REGISTRY}/${repo}:v1`;
  const docker = (...args: string[]) => execFileSync('docker', ['-H', DOCKER_HOST, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  execFileSync('sh', ['-c', `tar -C "${dir}" -c . | docker -H "${DOCKER_HOST}" import - "${ref}"`], { stdio: 'pipe' });
  docker('push', ref);
  for (const tag of alsoAs) {
    docker('tag', ref, `${REGISTRY}/${repo}:${tag}`);
    docker('push', `${REGISTRY}/${repo}:${tag}`);
    docker('rmi', `${REGISTRY}/${repo}:${tag}`);
  }
  docker('rmi', ref);
  rmSync(dir, { recursive: true, force: true });
  repos.push(repo);
  return repo;
}

async function manifest(repo: string): Promise<{ digest: string; layers: Array<{ digest: string; size: number }> }> {
  const r = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/v1`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
  const body = (await r.json()) as { layers: Array<{ digest: string; size: number }> };
  return { digest: r.headers.get('docker-content-digest') ?? '', layers: body.layers };
}

beforeAll(async () => {
  await ensureServices();
  t = await testCore();
});
afterAll(async () => {
  await t?.core.close();
  for (const repo of repos) {
    for (const tag of ['v1', 'twin']) await rawDocker().getImage(`${REGISTRY}/${repo}:${tag}`).remove({ force: true }).catch(() => undefined);
    // The random layers are unique to this test: delete them from the registry too, so runs do not pile up.
    const m = await manifest(repo).catch(() => null);
    for (const l of m?.layers ?? []) {
      await fetch(`http://127.0.0.1:5000/v2/${repo}/blobs/${l.digest}`, { method: 'DELETE' }).catch(() => undefined);
      // The registry frees blob data only on garbage collection; these blobs are ours alone, so drop the bytes now.
      const hex = l.digest.replace(/^sha256:/, '');
      rmSync(path.join(REGISTRY_STORE, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true, force: true });
    }
    if (m?.digest) await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${m.digest}`, { method: 'DELETE' }).catch(() => undefined);
    rmSync(path.join(REGISTRY_STORE, 'docker', 'registry', 'v2', 'repositories', repo), { recursive: true, force: true });
  }
});

describe('pull through the registry mirror', () => {
  it('reports aggregated byte progress up to 100 % and leaves the image tagged', async () => {
    const repo = pushUniqueImage(48);
    const { layers } = await manifest(repo);
    const snaps: TaskSnapshot[] = [];
    const off = t.core.bus.on('task.progress', (s) => s.kind === 'docker.pull' && snaps.push(s));
    const done = await t.task('docker.pull', { image: `${repo}:v1` });
    off();
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({ image: `${REGISTRY}/${repo}:v1` });
    expect(done.progress).toBe(1);
    // The bytes are the compressed layer the registry served.
    expect(done.bytesTotal).toBe(layers[0].size);
    expect(done.bytesDone).toBe(done.bytesTotal);
    expect(snaps.some((s) => /^Downloading|^Extracting|^Pulling/.test(s.step))).toBe(true);
    expect(await imageExists(rawDocker(), `${REGISTRY}/${repo}:v1`)).toBe(true);
  });

  it('cancel mid-pull stops the download and leaves no tag; pulling again completes', async () => {
    const repo = pushUniqueImage(96, ['twin']);
    const ref = `${REGISTRY}/${repo}:v1`;
    const abort = new AbortController();
    let sawBytes = 0;
    const err = await t.core.docker.service
      .pull(`${repo}:v1`, true, {
        signal: abort.signal,
        update: (u) => {
          if ((u.bytesDone ?? 0) > 0 && !abort.signal.aborted) {
            sawBytes = u.bytesDone ?? 0;
            abort.abort();
          }
        },
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isDeckError(err) && err.code).toBe('cancelled');
    expect(sawBytes).toBeGreaterThan(0);
    // The same layer under another tag, pulled to the end: a v1 pull the daemon kept going
    // would share that download and be tagged by now.
    const twin = await t.task('docker.pull', { image: `${repo}:twin` });
    expect(twin.state).toBe('succeeded');
    expect(await imageExists(rawDocker(), ref)).toBe(false);
    const images = await rawDocker().listImages({ filters: { reference: [ref] } });
    expect(images).toEqual([]);

    const again = await t.task('docker.pull', { image: `${repo}:v1` });
    expect(again.state).toBe('succeeded');
    expect(await imageExists(rawDocker(), ref)).toBe(true);
  });

  it('a missing image is a clear not-found error that names the mirror', async () => {
    const done = await t.task('docker.pull', { image: 'slm-deck-test/does-not-exist:v9' });
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('not_found');
    expect(done.error?.message).toContain(`The image ${REGISTRY}/slm-deck-test/does-not-exist:v9 was not found through the registry mirror ${REGISTRY}`);
    expect(done.error?.hint).toContain(`Check that ${REGISTRY} holds this image`);
  });

  it('an error the daemon reports inside the progress stream fails the pull', async () => {
    const repo = pushUniqueImage(2);
    const { layers } = await manifest(repo);
    // The manifest stays, its only layer goes: the daemon finds out mid-pull.
    const del = await fetch(`http://127.0.0.1:5000/v2/${repo}/blobs/${layers[0].digest}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    const done = await t.task('docker.pull', { image: `${repo}:v1` });
    expect(done.state).toBe('failed');
    expect(done.error?.code).toBe('registry_error');
    expect(done.error?.hint).toMatch(/incomplete/);
    expect(done.error?.message).toContain(`${REGISTRY}/${repo}:v1`);
    expect(await imageExists(rawDocker(), `${REGISTRY}/${repo}:v1`)).toBe(false);
  });

  it('pulls an image by its own registry when asked not to use the mirror', async () => {
    const done = await t.task('docker.pull', { image: `${REGISTRY}/slm-deck/busybox:latest`, mirror: false });
    expect(done.result).toMatchObject({ image: `${REGISTRY}/slm-deck/busybox:latest` });
  });
});
