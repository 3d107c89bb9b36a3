import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployResultSchema } from '../../electron/shared/contract/docker';
import { atPlannerMinimum, cleanup, dockerSuite, engineDomain, engineTestImage, freePort, inspect, rawDocker, REGISTRY, type TestCore, uniqueName } from './docker-helpers';

const GIB = 1024 ** 3;
const PREFIX = 'it-deploy';
let t: TestCore;

dockerSuite(PREFIX, (core) => (t = core));

describe('deploy with stand-in images from the local registry', () => {
  it('Ollama + Open WebUI: pulls through the mirror, creates what the config asks for, and becomes healthy', async () => {
    const name = uniqueName('deploy-ollama');
    const [port, webPort] = [await freePort(), await freePort()];
    // Make the pull real: drop the local copies first (the registry keeps them).
    for (const ref of [`${REGISTRY}/ollama/ollama:latest`, `${REGISTRY}/open-webui/open-webui:main`]) {
      await rawDocker().getImage(ref).remove({ force: true }).catch(() => undefined);
    }
    const changes: string[] = [];
    const off = t.core.bus.on('docker.changed', (e) => e.name === name && changes.push(e.action));
    const req = atPlannerMinimum({
      ...defaultDeployConfig('ollama'),
      name,
      hostPort: port,
      openWebUi: true,
      webUiPort: webPort,
      cpus: 1.5,
      parallel: 3,
      contextLength: 8192,
      env: { OLLAMA_KEEP_ALIVE: '30m' },
    });
    const done = await t.task('docker.deploy', req);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    const result = DeployResultSchema.parse(done.result);
    expect(result.deployment).toMatchObject({ name, backend: 'ollama', state: 'running', health: 'healthy', model: 'phi4-mini:3.8b-q4_K_M' });
    expect(result.deployment.endpoint?.url).toBe(`http://127.0.0.1:${port}`);

    const server = await inspect(`slm-deck-${name}`);
    expect(server.Config.Image).toBe(`${REGISTRY}/ollama/ollama:latest`);
    expect(server.HostConfig.PortBindings).toEqual({ '11434/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    expect(server.Config.Env).toEqual(
      expect.arrayContaining(['OLLAMA_HOST=0.0.0.0', 'OLLAMA_NUM_PARALLEL=3', 'OLLAMA_MAX_LOADED_MODELS=1', 'OLLAMA_FLASH_ATTENTION=1', 'OLLAMA_CONTEXT_LENGTH=8192', 'OLLAMA_KEEP_ALIVE=30m']),
    );
    expect(server.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: 'slm-deck-ollama-data', Destination: '/root/.ollama' })]);
    expect(server.Config.Labels).toMatchObject({ 'dev.slmdeck.managed': 'true', 'dev.slmdeck.deployment': name, 'dev.slmdeck.role': 'server', 'dev.slmdeck.backend': 'ollama' });
    expect(server.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(server.HostConfig.Memory).toBe(Math.round(req.memoryLimitGb! * GIB));
    expect(server.HostConfig.NanoCpus).toBe(1.5e9);
    expect(server.Config.Healthcheck?.Test?.[1]).toContain('/api/tags');
    // Docker's own check passes too; on Engine < 25 its first run can come an interval after the
    // server answered the deploy's probe of /api/tags.
    await expect.poll(async () => (await inspect(`slm-deck-${name}`)).State.Health?.Status, { timeout: 30_000 }).toBe('healthy');
    expect(server.HostConfig.NetworkMode).toBe(`slm-deck-${name}`);
    const volume = await rawDocker().getVolume('slm-deck-ollama-data').inspect();
    expect(volume.Labels).toMatchObject({ 'dev.slmdeck.managed': 'true' });

    const web = await inspect(`slm-deck-${name}-webui`);
    expect(web.Config.Image).toBe(`${REGISTRY}/open-webui/open-webui:main`);
    expect(web.Config.Env).toEqual(expect.arrayContaining([`OLLAMA_BASE_URL=http://slm-deck-${name}:11434`]));
    expect(web.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(webPort) }] });
    await expect.poll(async () => (await inspect(`slm-deck-${name}-webui`)).State.Health?.Status, { timeout: 30_000 }).toBe('healthy');

    // The endpoints answer on the host, and Open WebUI reaches Ollama by name on the private network.
    // Ready means answering: the model was pulled into the deployment and answered a one-token chat.
    expect(result.ready).toMatchObject({ modelListed: true, pulled: true });
    const tags = (await (await fetch(`http://127.0.0.1:${port}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toEqual(['phi4-mini:3.8b-q4_K_M']);
    expect(await (await fetch(`http://127.0.0.1:${webPort}/`)).text()).toContain('Open WebUI');
    const exec = await rawDocker().getContainer(`slm-deck-${name}-webui`).exec({ Cmd: ['wget', '-q', '-O', '-', `http://slm-deck-${name}:11434/api/version`], AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    let out = '';
    await new Promise<void>((r) => {
      stream.on('data', (c: Buffer) => (out += c.toString()));
      stream.on('end', () => r());
    });
    expect(out).toContain('"version":"0.12.6"');

    // The app announced create and start itself; the daemon's events bring the health transition
    // (after the deploy on Engine < 25, whose first check comes an interval late).
    expect(changes).toEqual(expect.arrayContaining(['create', 'start']));
    await expect.poll(() => changes, { timeout: 30_000 }).toContain('health_status:healthy');
    off();
    const listed = (await t.call('docker.list', {})).find((d) => d.name === name);
    expect(listed?.containers.map((c) => c.role)).toEqual(['server', 'webui']);
    expect(listed?.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('vLLM CPU: the CPU image with its arguments, KV cache space and /dev/shm, healthy, /v1/models answering', async () => {
    const name = uniqueName('deploy-vllm-cpu');
    const port = await freePort();
    const req = atPlannerMinimum({ ...defaultDeployConfig('vllm-cpu'), name, hostPort: port, cpus: 1, vllm: { gpuMemoryUtilization: 0.8, toolCalling: true, cpuKvCacheGb: 2, shmSizeGb: 1 } });
    const done = await t.task('docker.deploy', req);
    expect(done.error).toBeUndefined();
    const c = await inspect(`slm-deck-${name}`);
    expect(c.Config.Image).toBe(`${REGISTRY}/vllm/vllm-openai-cpu:latest-x86_64`);
    expect(c.Config.Cmd).toEqual([
      '--model', 'microsoft/Phi-4-mini-instruct', '--host', '0.0.0.0', '--port', '8000', '--max-model-len', '4096', '--max-num-seqs', '4',
      '--enable-auto-tool-choice', '--tool-call-parser', 'phi4_mini_json',
    ]);
    // Phi-4-mini runs on vLLM's own code: no Python from the model repo.
    expect(c.Config.Cmd).not.toContain('--trust-remote-code');
    expect(c.Config.Env).toEqual(expect.arrayContaining(['VLLM_CPU_KVCACHE_SPACE=2']));
    expect(c.HostConfig.ShmSize).toBe(1 * GIB);
    expect(c.HostConfig.Memory).toBe(Math.round(req.memoryLimitGb! * GIB));
    expect(c.HostConfig.CapAdd).toEqual(['SYS_NICE']);
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: 'slm-deck-hf-cache', Destination: '/root/.cache/huggingface' })]);
    expect(c.HostConfig.DeviceRequests ?? []).toEqual([]);
    const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data[0].id).toBe('microsoft/Phi-4-mini-instruct');
  });

  it('vLLM GPU on a machine without a GPU: refused with the toolkit hint, and create-only shows the device request', async () => {
    const name = uniqueName('deploy-vllm-gpu');
    const port = await freePort();
    const refused = await t.task('docker.deploy', { ...defaultDeployConfig('vllm-gpu'), name, hostPort: port, memoryLimitGb: 1 });
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'insufficient_resources' });
    expect(refused.error?.hint).toMatch(/NVIDIA Container Toolkit/);

    const created = await t.task('docker.deploy', { ...defaultDeployConfig('vllm-gpu'), name, hostPort: port, memoryLimitGb: 1, gpus: ['0'], createOnly: true });
    expect(created.error).toBeUndefined();
    expect(DeployResultSchema.parse(created.result).deployment.state).toBe('created');
    const c = await inspect(`slm-deck-${name}`);
    expect(c.State.Status).toBe('created');
    expect(c.HostConfig.DeviceRequests).toEqual([expect.objectContaining({ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] })]);
    expect(c.Config.Cmd).toEqual(expect.arrayContaining(['--gpu-memory-utilization', '0.8', '--max-model-len', '8192']));
    expect(c.Config.Image).toBe(`${REGISTRY}/vllm/vllm-openai:latest`);
  });

  it('ONNX engine: the model folder mounted read-only, limits, healthy on /health', async () => {
    // A separate domain so the engine image tag cannot collide with the real engine image.
    const tag = `itest-${Date.now()}`;
    const image = await engineTestImage(tag);
    const e = await engineDomain(tag);
    const modelDir = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-model-'));
    writeFileSync(path.join(modelDir, 'genai_config.json'), '{}');
    const name = uniqueName('deploy-onnx');
    const port = await freePort();
    try {
      const req = atPlannerMinimum({ ...defaultDeployConfig('onnx-engine'), name, hostPort: port, cpus: 1, modelPath: modelDir });
      const done = await e.deploy(req);
      expect(done.error).toBeUndefined();
      const c = await inspect(`slm-deck-${name}`);
      expect(c.Config.Image).toBe(image);
      expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: modelDir, Destination: '/model', RW: false })]);
      expect(c.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
      expect(c.HostConfig.Memory).toBe(Math.round(req.memoryLimitGb! * GIB));
      await expect.poll(async () => (await inspect(`slm-deck-${name}`)).State.Health?.Status, { timeout: 30_000 }).toBe('healthy');
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok' });

      // A model folder that is not there is reported before anything is created.
      const missing = await e.deploy({ ...req, name: `${name}-nomodel`, hostPort: await freePort(), modelPath: '/nonexistent/model' });
      expect(missing.error).toMatchObject({ code: 'not_found', message: 'The model folder /nonexistent/model does not exist.' });

      // The seed's 8 GB / 4 CPU defaults do not fit a 2-CPU daemon: said before anything is created.
      const ncpu = (await rawDocker().info()).NCPU as number;
      const tooBig = await e.deploy({ ...defaultDeployConfig('onnx-engine'), name: `${name}-big`, hostPort: await freePort(), cpus: ncpu + 2, modelPath: modelDir });
      expect(tooBig.error).toMatchObject({ code: 'insufficient_resources', message: `slm-deck-${name}-big asks for ${ncpu + 2} CPUs, but Docker has only ${ncpu}.` });
      expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}-big`] } })).length).toBe(0);
    } finally {
      e.domain.close();
      await cleanup(name);
      await rawDocker().getImage(image).remove({ force: true }).catch(() => undefined);
    }
  });

  it('asks the planner first: a config that cannot fit this machine is refused with the planner’s reason', async () => {
    const name = uniqueName('deploy-nofit');
    // No memory limit: the limit's own check would answer first (memory-floor.test.ts).
    const done = await t.task('docker.deploy', { ...defaultDeployConfig('vllm-cpu'), name, hostPort: await freePort(), contextLength: 131072, parallel: 64, memoryLimitGb: null, cpus: 1 });
    expect(done.error?.code).toBe('insufficient_resources');
    expect(done.error?.message).toMatch(/^This will not fit on this machine: \S/);
    expect(done.error?.hint).toMatch(/deploy anyway/);
    expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).length).toBe(0);
  });

  it('a backend and model form the planner marks unavailable is refused with its reason, not as "will not fit"', async () => {
    const name = uniqueName('deploy-unavail');
    const done = await t.task('docker.deploy', { ...defaultDeployConfig('onnx-engine'), name, model: 'phi-4-mini-instruct/onnx-gpu-int4', hostPort: await freePort(), cpus: 1, memoryLimitGb: 1 });
    expect(done.error).toMatchObject({
      code: 'insufficient_resources',
      message: expect.stringMatching(/^This cannot run on this machine: SLM Deck's ONNX engine runs on the CPU/),
      hint: expect.stringMatching(/vLLM or Ollama/),
    });
    expect((await rawDocker().listContainers({ all: true, filters: { name: [`slm-deck-${name}`] } })).length).toBe(0);
  });

  it('refuses the embedded backend and malformed requests before starting a task', async () => {
    await expect(t.call('docker.deploy', { ...defaultDeployConfig('ollama'), backend: 'embedded' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/runs inside SLM Deck, not in a container/) });
    await expect(t.call('docker.deploy', { ...defaultDeployConfig('ollama'), hostPort: 70000 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(t.call('docker.deploy', { ...defaultDeployConfig('ollama'), name: 'Bad Name!' })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
