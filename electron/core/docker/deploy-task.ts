import { promises as fs } from 'node:fs';
import type Docker from 'dockerode';
import type { DeployRequest, DeploymentSpec, DockerStatus, Endpoint, GpuCheck, PortCheck, Readiness } from '../../shared/contract/docker';
import { DeckError, isDeckError } from '../../shared/errors';
import type { Logger } from '../log/logger';
import type { TaskContext } from '../tasks/task-registry';
import { checkDiskSpace } from './disk';
import { toDeckError } from './errors';
import { checkGpu } from './gpu-check';
import { waitHealthy } from './health';
import { LABEL } from './labels';
import { readLogs } from './logs';
import { waitAnswering } from './readiness';
import { containerName, deploymentContainers, ensureNetwork, ensureVolumes, publishedPorts, removeQuietly } from './objects';
import { checkPort } from './ports';
import { imageExists, pullImage } from './pull';

/** The planner's verdict for a request, when the hardware domain provides one. */
export type VerdictFn = (req: DeployRequest) => Promise<{ verdict: 'fits' | 'tight' | 'wont-fit' | 'unavailable'; reason: string; hint?: string } | null>;

export interface DeployDeps {
  docker: Docker;
  status: DockerStatus;
  /** Built with the secrets (HF token) the containers need. */
  spec: DeploymentSpec;
  /** onnx-engine: the model folder on the Docker host. */
  modelFolder: string | null;
  /** The key the server requires (an engine published beyond loopback), for the readiness check. */
  apiKey?: string | null;
  mirror: string;
  verdict?: VerdictFn;
  log: Logger;
  changed(action: string): void;
  /** onnx-engine one-click: after the checks, download the model and build the image when missing. */
  engine?: (task: TaskContext) => Promise<Readiness['stages']>;
  /** A remote daemon: the server's endpoint as this machine reaches it (an SSH tunnel), null if it cannot. */
  reach?: () => Promise<Endpoint | null>;
}

export function missingFolder(folder: string): DeckError {
  return new DeckError(
    'not_found',
    `The model folder ${folder} does not exist.`,
    'Pick a model from the list (models of the store are downloaded first, or the demo model), or download it on the Deploy page (Embedded card), or set "Model folder" to a folder holding genai_config.json.',
    { field: 'modelPath' },
  );
}

function portError(check: PortCheck, field: string): DeckError {
  const who = check.holder?.container ? `stop ${check.holder.container}` : check.holder?.pid ? `stop ${check.holder.command} (pid ${check.holder.pid})` : 'stop the program using it';
  return new DeckError(
    'port_in_use',
    check.message,
    check.suggestion ? `Use port ${check.suggestion} instead, or ${who}.` : `Choose another port, or ${who}.`,
    { field, ...check },
  );
}

/**
 * Everything that can be known to fail before touching anything: name, ports, limits
 * against the daemon, GPU passthrough, the planner, the model folder, images, disk space.
 * Returns the containers a `replace` will remove and the images still to pull.
 */
async function preflight(d: DeployDeps, req: DeployRequest, task: TaskContext): Promise<{ replacing: Docker.ContainerInfo[]; missing: string[] }> {
  const { docker, status, spec } = d;
  const existing = await deploymentContainers(docker, spec.name);
  if (existing.length && !req.replace) {
    throw new DeckError(
      'conflict',
      `A deployment named "${spec.name}" already exists (${existing.map((c) => `${containerName(c)}: ${c.State}`).join(', ')}).`,
      'Remove it first, choose another name, or deploy with "replace".',
    );
  }
  for (const c of spec.containers) {
    const same = await docker.listContainers({ all: true, filters: { name: [`^/${c.name}$`] } });
    if (same.some((s) => s.Labels?.[LABEL.deployment] !== spec.name || s.Labels?.[LABEL.managed] !== 'true')) {
      throw new DeckError('conflict', `A container named ${c.name} exists that SLM Deck did not create.`, `Rename or remove it (\`docker rm -f ${c.name}\`), or give this deployment another name.`);
    }
  }

  task.update({ step: 'Checking ports' });
  // Ports of the deployment being replaced are freed before the new one starts.
  const replacing = new Set(existing.map((c) => c.Id));
  const dockerPorts = await publishedPorts(docker, (c) => replacing.has(c.Id));
  const freedSoon = new Set(existing.flatMap((c) => (c.Ports ?? []).map((p) => p.PublicPort).filter((p): p is number => !!p)));
  const reserved = new Set(spec.containers.map((c) => c.hostPort));
  for (const c of spec.containers) {
    if (freedSoon.has(c.hostPort)) continue;
    const check = await checkPort(req.bindHost, c.hostPort, { dockerPorts, reserved, remote: status.remote });
    if (!check.free) throw portError(check, c.role === 'webui' ? 'webUiPort' : 'hostPort');
  }

  for (const c of spec.containers) {
    const nano = c.create.HostConfig.NanoCpus;
    if (nano !== undefined && status.cpus && nano / 1e9 > status.cpus) {
      throw new DeckError('insufficient_resources', `${c.name} asks for ${nano / 1e9} CPUs, but Docker has only ${status.cpus}.`, `Set the CPU limit to ${status.cpus} or less (or no limit).`, { field: 'cpus' });
    }
    const mem = c.create.HostConfig.Memory;
    if (mem !== undefined && status.memoryBytes && mem > status.memoryBytes) {
      throw new DeckError(
        'insufficient_resources',
        `${c.name} asks for a ${(mem / 1024 ** 3).toFixed(1)} GB memory limit, but Docker has only ${(status.memoryBytes / 1024 ** 3).toFixed(1)} GB.`,
        'Lower the memory limit (Docker Desktop: raise its memory in Settings > Resources).',
        { field: 'memoryLimitGb' },
      );
    }
  }

  if (wantsGpu(spec) && !status.gpu.available && !req.force && !req.createOnly) {
    throw new DeckError(
      'insufficient_resources',
      `Docker at ${status.endpoint} cannot give containers an NVIDIA GPU (no nvidia runtime or CDI devices).`,
      'Install the NVIDIA Container Toolkit and restart Docker, or deploy vllm-cpu / ollama on the CPU.',
    );
  }
  if (d.verdict && !req.force && !req.createOnly) {
    const v = await d.verdict(req);
    if (v?.verdict === 'wont-fit') {
      throw new DeckError('insufficient_resources', `This will not fit on this machine: ${v.reason}`, 'Lower the context length or parallel sequences, pick a smaller model form or another backend, or deploy anyway (force).');
    }
    if (v?.verdict === 'unavailable') {
      throw new DeckError('insufficient_resources', `This cannot run on this machine: ${v.reason}`, v.hint ?? 'Pick another backend or model form, or deploy anyway (force).');
    }
  }
  // With the one-click steps, a missing store model is downloaded after these checks.
  if (d.modelFolder && !status.remote && !(d.engine && !req.modelPath)) {
    try {
      await fs.stat(d.modelFolder);
    } catch {
      throw missingFolder(d.modelFolder);
    }
  }

  task.update({ step: 'Checking images' });
  const missing: string[] = [];
  for (const ref of new Set(spec.containers.map((c) => c.image))) if (!(await imageExists(docker, ref))) missing.push(ref);
  const localOnly = missing.find((ref) => ref.startsWith('slm-deck/onnx-engine:'));
  if (localOnly && !d.engine) throw new DeckError('not_found', `The engine image ${localOnly} is not built yet.`, 'Build the ONNX engine image first (Deploy page, ONNX engine card), then deploy again.');
  // The engine image is built by the one-click step, not pulled.
  const toPull = missing.filter((ref) => ref !== localOnly);
  await checkDiskSpace(spec, toPull, status);
  return { replacing: existing, missing: toPull };
}

export function wantsGpu(spec: DeploymentSpec): boolean {
  return spec.containers.some((c) => (c.create.HostConfig.DeviceRequests ?? []).length > 0);
}

/**
 * Pull -> (replace) -> volumes and network -> create -> start -> healthy -> GPU check ->
 * answering (model listed, pulled first for Ollama; one-token chat).
 * Cancelled: what this task created is removed (volumes stay, so a model download resumes).
 * Crashed: stopped but kept for its logs. Timed out or not answering: left running (it may
 * still be loading the model).
 */
export async function runDeploy(d: DeployDeps, req: DeployRequest, task: TaskContext): Promise<{ gpuCheck: GpuCheck | null; ready: Readiness | null }> {
  const { docker, spec } = d;
  const { signal } = task;
  const stages: Readiness['stages'] = [];
  let since = Date.now();
  const mark = (stage: Readiness['stages'][number]['stage']) => {
    // A stage begun before the task (the engine image build) and continued here (pulls) is one stage.
    const seen = stages.find((s) => s.stage === stage);
    if (seen) seen.ms += Date.now() - since;
    else stages.push({ stage, ms: Date.now() - since });
    since = Date.now();
  };
  const { replacing, missing } = await preflight(d, req, task);
  mark('checks');
  if (d.engine) {
    stages.push(...(await d.engine(task)));
    since = Date.now();
  }

  for (const ref of missing) {
    task.update({ step: `Pulling ${ref}` });
    await pullImage(docker, ref, { signal, mirror: d.mirror, onProgress: (u) => task.update({ ...u, step: `Pulling ${ref}: ${u.step ?? ''}` }) });
  }
  mark('image');
  // The old deployment kept serving during the pull; it goes only now.
  if (replacing.length) {
    task.update({ step: `Removing the previous ${spec.name}` });
    await removeQuietly(docker, replacing.map((c) => c.Id), d.log);
    d.changed('destroy');
  }

  task.update({ step: 'Creating volumes', progress: null, bytesDone: undefined, bytesTotal: undefined, detail: undefined });
  await ensureVolumes(docker, spec, signal);
  if (spec.network) await ensureNetwork(docker, spec.network, signal);

  const created: string[] = [];
  try {
    for (const c of spec.containers) {
      task.update({ step: `Creating ${c.name}` });
      await docker.createContainer({ ...c.create, abortSignal: signal });
      created.push(c.name);
    }
    d.changed('create');
    if (!req.createOnly) {
      for (const c of spec.containers) {
        task.update({ step: `Starting ${c.name}` });
        await docker.getContainer(c.name).start();
      }
      d.changed('start');
    }
  } catch (e) {
    await removeQuietly(docker, created, d.log);
    throw toDeckError(e, `create and start ${spec.name}`, signal);
  }
  if (req.createOnly) return { gpuCheck: null, ready: null };

  const cancelled = async (e: unknown) => {
    if (signal.aborted) {
      await removeQuietly(docker, created, d.log);
      d.changed('destroy');
    }
    return toDeckError(e, `start ${spec.name}`, signal);
  };
  try {
    await waitHealthy(
      docker,
      spec.containers.map((c) => c.name),
      { timeoutSec: spec.healthTimeoutSec, signal, onStep: (step, detail) => task.update({ step, ...(detail ? { detail } : {}) }), probe: !d.status.remote },
    );
  } catch (e) {
    if (!signal.aborted && isDeckError(e) && e.code === 'server_error') {
      for (const n of created) await docker.getContainer(n).stop({ t: 5 }).catch(() => undefined);
    }
    throw await cancelled(e);
  }

  mark('start');
  let gpuCheck: GpuCheck | null = null;
  if (wantsGpu(spec)) {
    task.update({ step: 'Checking that the GPU is used' });
    const server = spec.containers[0].name;
    gpuCheck = await checkGpu(docker, server, await readLogs(docker, server, 500)).catch(() => null);
  }
  // A remote daemon publishes on its own loopback: the check goes through the tunnel to it.
  const endpoint = d.reach ? await d.reach() : spec.endpoint;
  if (!endpoint) {
    d.log.info('readiness not checked: the remote daemon is not reached over SSH', { name: spec.name });
    return { gpuCheck, ready: null };
  }
  try {
    const ready = await waitAnswering(endpoint, { signal, mark, update: (u) => task.update(u), timeoutSec: spec.healthTimeoutSec, apiKey: d.apiKey });
    return { gpuCheck, ready: { ...ready, stages } };
  } catch (e) {
    throw await cancelled(e);
  }
}
