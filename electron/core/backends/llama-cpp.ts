import type { LlamaCppOptions } from '../../shared/contract/deploy-config';
import type { ContainerSpec, DeployRequest, DeploymentSpec } from '../../shared/contract/docker';
import { containerName, LABEL } from '../docker/labels';
import { mirrorImage } from '../docker/mirror';
import type { ResolvedModel } from '../docker/model-ref';
import {
  baseLabels, deploymentName, endpointLabel, envList, gpuRequests, healthcheck, hostForUrl, httpProbe, limits, openAiEndpoint, ports,
  requestLabel, volumeLabels, type SpecContext,
} from '../docker/specs/common';
import type { BackendDefinition, ModelRef } from './types';

const GB = 1e9;
const PORT = 8080;
const CPU_IMAGE = 'ghcr.io/ggml-org/llama.cpp:server';
const CUDA_IMAGE = 'ghcr.io/ggml-org/llama.cpp:server-cuda';
const CACHE_VOLUME = 'slm-deck-llama-cache';
const CACHE_DIR = '/root/.cache/llama.cpp';
/** First start downloads the GGUF (2.5 GB for Phi-4-mini Q4_K_M) before it loads. */
const START_PERIOD_SEC = 900;
/** bartowski's imatrix quantisations of microsoft/Phi-4-mini-instruct (checked on the hub). */
const PHI4_GGUF_REPO = 'bartowski/microsoft_Phi-4-mini-instruct-GGUF';
/** q8_0 stores 32 values in 34 bytes (32 int8 + an fp16 scale). */
const Q8_0_BYTES_PER_ELEMENT = 34 / 32;

/** Offloading every layer: llama.cpp caps -ngl at the model's layer count. */
const ALL_LAYERS = 999;

function llamaOptions(req: Pick<DeployRequest, 'llamaCpp'>): LlamaCppOptions {
  return req.llamaCpp ?? { kvCacheType: 'f16' };
}

/**
 * `llama-server` flags: the GGUF from Hugging Face (-hf REPO:QUANT, cached in LLAMA_CACHE),
 * served under the same name (--alias), the model's own chat template (--jinja, which tool
 * calling needs), and Prometheus metrics. -c is the total context shared by the -np slots,
 * so each slot gets the requested context.
 */
export function llamaServerArgs(req: DeployRequest, served: string, onGpu: boolean): string[] {
  const o = llamaOptions(req);
  return [
    '-hf', served,
    '--alias', served,
    '--jinja',
    '-c', String(req.contextLength * req.parallel),
    '-np', String(req.parallel),
    '--host', '0.0.0.0',
    '--port', String(PORT),
    '--metrics',
    ...(onGpu ? ['-ngl', String(o.gpuLayers ?? ALL_LAYERS)] : []),
    ...(o.kvCacheType === 'q8_0' ? ['--cache-type-k', 'q8_0', '--cache-type-v', 'q8_0'] : []),
  ];
}

function buildLlamaCppSpec(req: DeployRequest, ctx: SpecContext): DeploymentSpec {
  const model = ctx.resolveModel(req.backend, req.model);
  const name = containerName(deploymentName(req), 'server');
  const onGpu = req.gpus.length > 0;
  const image = mirrorImage(onGpu ? CUDA_IMAGE : CPU_IMAGE, ctx.mirror);
  const endpoint = openAiEndpoint(`http://${hostForUrl(req.bindHost)}:${req.hostPort}`, model.served);
  const published = ports(PORT, req.hostPort, req.bindHost);
  const server: ContainerSpec = {
    role: 'server',
    name,
    image,
    containerPort: PORT,
    hostPort: req.hostPort,
    create: {
      name,
      Image: image,
      Cmd: llamaServerArgs(req, model.served, onGpu),
      Env: envList({ LLAMA_CACHE: CACHE_DIR, ...req.env }),
      Labels: { ...baseLabels(req, 'server', model.served, ctx.appVersion), [LABEL.request]: requestLabel(req), [LABEL.endpoint]: endpointLabel(endpoint) },
      ExposedPorts: published.ExposedPorts,
      // /health answers 503 while the model downloads and loads, 200 once it can serve.
      Healthcheck: healthcheck(httpProbe(`http://127.0.0.1:${PORT}/health`), START_PERIOD_SEC),
      HostConfig: {
        PortBindings: published.PortBindings,
        Mounts: [{ Type: 'volume', Source: CACHE_VOLUME, Target: CACHE_DIR }],
        RestartPolicy: { Name: 'unless-stopped' },
        ...limits(req.memoryLimitGb, req.cpus),
        ...gpuRequests(req.gpus, false),
      },
    },
  };
  return {
    name: deploymentName(req),
    backend: req.backend,
    containers: [server],
    volumes: [{ name: CACHE_VOLUME, labels: volumeLabels(CACHE_VOLUME, ctx.appVersion) }],
    network: null,
    endpoint,
    healthTimeoutSec: req.healthTimeoutSec ?? START_PERIOD_SEC,
    warnings: [],
  };
}

/** A typed name: `REPO:QUANT` or `REPO` as llama-server's -hf takes it; Phi-4-mini names map to the Q4_K_M GGUF. */
function resolveModel(r: ModelRef): ResolvedModel {
  if (r.isPhi4Mini && !r.raw.includes(':')) {
    const quant = /^llama-cpp-(.+)$/.exec(r.form)?.[1] ?? 'Q4_K_M';
    return { served: `${PHI4_GGUF_REPO}:${quant.toUpperCase()}`, awqCheckpoint: false };
  }
  return { served: r.raw, awqCheckpoint: false };
}

/** llama.cpp's own server (`llama-server`): GGUF models from Hugging Face, OpenAI API, CPU or CUDA. */
export const llamaCpp: BackendDefinition = {
  info: {
    id: 'llama-cpp',
    label: 'llama.cpp (Docker)',
    description: 'llama.cpp’s own server: GGUF from Hugging Face, OpenAI API with tool calling, CPU or NVIDIA GPU.',
    runsIn: 'docker',
    images: [
      { accelerator: 'cpu', image: CPU_IMAGE, bytes: 0.2 * GB },
      { accelerator: 'nvidia', image: CUDA_IMAGE, bytes: 3.5 * GB },
    ],
    containerPort: PORT,
    defaultHostPort: 8090,
    chatProtocol: 'openai',
    healthPath: '/health',
    metricsPath: '/metrics',
    benchFamily: 'llama-cpp',
    gpu: 'optional',
    options: ['kvCacheType'],
    defaults: {
      backend: 'llama-cpp',
      model: 'phi-4-mini-instruct/llama-cpp-q4_K_M',
      hostPort: 8090,
      bindHost: '127.0.0.1',
      contextLength: 4096,
      parallel: 4,
      gpus: [],
      memoryLimitGb: 8,
      cpus: null,
      env: {},
      openWebUi: false,
      llamaCpp: { kvCacheType: 'f16' },
    },
  },
  buildSpec: buildLlamaCppSpec,
  resolveModel,
  servedFromCatalog: (_model, form, ref) => ({ served: form.hfRepo && form.hfQuant ? `${form.hfRepo}:${form.hfQuant}` : ref, awqCheckpoint: false }),
  chat: { streamToolCalls: true },
  metricsKind: 'llama-cpp',
  firstStartDownloadBytes: 2.5 * GB,
  planner: {
    sequencesWord: 'slots (-np)',
    storage: 'docker-data',
    needsCuda: false,
    placement: (_input, m) => (m.cudaGpu && m.docker.gpuPassthrough ? 'vram' : 'ram'),
    spillsToRam: true,
    budget: 'memory',
    kvBytesPerElement: (c) => (c.llamaCpp?.kvCacheType === 'q8_0' ? Q8_0_BYTES_PER_ELEMENT : null),
    notes: (_input, m, where) => (where === 'ram' && m.cudaGpu && !m.docker.gpuPassthrough ? ['Runs on the CPU: Docker cannot pass the GPU through.'] : []),
    config: () => ({ llamaCpp: { kvCacheType: 'f16' } }),
  },
};
