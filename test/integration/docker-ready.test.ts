import { describe, expect, it } from 'vitest';
import type { TaskSnapshot } from '../../electron/shared/contract/app';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { atPlannerMinimum, dockerSuite, freePort, rawDocker, type TestCore, uniqueName } from './docker-helpers';

const PREFIX = 'it-ready';
let t: TestCore;

dockerSuite(PREFIX, (core) => (t = core));

/** Starts a deploy and records every progress snapshot of it. */
async function deployWatched(params: Parameters<TestCore['call']>[1] & object, onProgress?: (s: TaskSnapshot, taskId: string) => void) {
  const seen: TaskSnapshot[] = [];
  let id = '';
  const off = t.core.bus.on('task.progress', (s) => {
    if (s.id !== id) return;
    seen.push(s);
    onProgress?.(s, id);
  });
  id = ((await t.call('docker.deploy', params as never)) as { taskId: string }).taskId;
  const done = await t.core.tasks.wait(id);
  off();
  return { done, steps: seen.map((s) => s.step), seen };
}

describe('ready means answering', () => {
  it('Ollama: the model is pulled into the deployment with layer progress; cancelling keeps the partial download, the next deploy resumes it and answers', async () => {
    const name = uniqueName('ready-ollama');
    const port = await freePort();
    // A models folder of its own inside the shared volume, and a slow stand-in pull so it can be cancelled half-way.
    const env = { OLLAMA_MODELS: `/root/.ollama/${name}`, SLM_STAND_IN_PULL_INTERVAL_MS: '150' };
    const req = atPlannerMinimum({ ...defaultDeployConfig('ollama'), name, hostPort: port, cpus: 1, env });

    const first = await deployWatched(req, (s, id) => {
      if (/^Downloading/.test(s.step) && (s.progress ?? 0) > 0.2) void t.call('tasks.cancel', { taskId: id });
    });
    expect(first.done.state).toBe('cancelled');
    const download = first.seen.filter((s) => s.step.startsWith('Downloading phi4-mini:3.8b-q4_K_M'));
    expect(download.length).toBeGreaterThan(1);
    expect(download.at(-1)?.bytesTotal).toBeGreaterThan(2e9);
    expect(download.at(-1)?.bytesDone).toBeLessThan(download.at(-1)?.bytesTotal ?? 0);
    // What the task created is gone; the volume (with the partial download) stays.
    expect(await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).toEqual([]);
    expect((await rawDocker().getVolume('slm-deck-ollama-data').inspect()).Name).toBe('slm-deck-ollama-data');

    const second = await deployWatched(req);
    expect(second.done.error).toBeUndefined();
    const result = DeployResultSchema.parse(second.done.result);
    expect(result.ready).toMatchObject({ modelListed: true, pulled: true });
    expect(result.ready?.resumedFromBytes).toBeGreaterThan(0);
    // Each stage timed, in order; the model stage is the download.
    expect(result.ready?.stages.map((x) => x.stage)).toEqual(['checks', 'image', 'start', 'model', 'load', 'first-token']);
    expect(second.steps.some((x) => x.startsWith('Downloading phi4-mini:3.8b-q4_K_M'))).toBe(true);

    // Offered in the Playground, and it answers.
    const health = await t.call('chat.backendHealth', {});
    expect(health.find((h) => h.id === `docker:${name}`)).toEqual({ id: `docker:${name}`, answering: true });
    const tags = (await (await fetch(`http://127.0.0.1:${port}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toEqual(['phi4-mini:3.8b-q4_K_M']);
  });

  it('vLLM CPU: ready once /v1/models lists the model and a one-token chat answers (the stand-in runs the ONNX engine)', async () => {
    const name = uniqueName('ready-vllm');
    const port = await freePort();
    const { done } = await deployWatched(atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort: port, cpus: 1 }));
    expect(done.error).toBeUndefined();
    const result = DeployResultSchema.parse(done.result);
    expect(result.ready).toMatchObject({ modelListed: true, pulled: false });
    expect(result.ready?.stages.map((x) => x.stage)).toEqual(['checks', 'image', 'start', 'load', 'first-token']);
  });
});
