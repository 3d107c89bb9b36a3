import type { CreateOptions, DeployRequest, Endpoint } from '../../../shared/contract/docker';
import { DeckError } from '../../../shared/errors';
import { LABEL } from '../labels';
import type { ModelResolver, ResolvedModel } from '../model-ref';

/** Everything a spec builder needs besides the request; builders stay pure functions of both. */
export interface SpecContext {
  /** The registryMirror setting ('' = pull from the images' own registries). */
  mirror: string;
  /** Tag of the locally built onnx-engine image. */
  engineVersion: string;
  /** App version written into labels. */
  appVersion: string;
  /** Where onnx-engine model folders live when the request gives no modelPath. */
  modelsDir: string;
  /** Daemon architecture (x86_64, aarch64): picks the vLLM CPU image variant. */
  arch: string;
  /** Host folder holding the Hugging Face token file, mounted read-only into vLLM; never part of previews or compose files. */
  hfTokenDir?: string | null;
  /** onnx-engine published beyond loopback: the host file holding its API key, mounted read-only; never part of previews or compose files. */
  engineKeyFile?: string | null;
  resolveModel: (backend: DeployRequest['backend'], model: string) => ResolvedModel;
}

export function withResolver(resolver: ModelResolver | undefined, builtin: SpecContext['resolveModel']): SpecContext['resolveModel'] {
  return (backend, model) => resolver?.(backend, model) ?? builtin(backend, model);
}

const GIB = 1024 ** 3;
const S = 1_000_000_000; // Docker wants durations in nanoseconds

export const VOLUMES = {
  hfCache: 'slm-deck-hf-cache',
  ollamaData: 'slm-deck-ollama-data',
  openWebUiData: 'slm-deck-open-webui-data',
} as const;

export function gib(n: number): number {
  return Math.round(n * GIB);
}

export function deploymentName(req: DeployRequest): string {
  return req.name ?? req.backend;
}

export function baseLabels(req: DeployRequest, role: 'server' | 'webui', model: string, appVersion: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.deployment]: deploymentName(req),
    [LABEL.backend]: req.backend,
    [LABEL.role]: role,
    [LABEL.model]: model,
    [LABEL.version]: appVersion,
  };
}

export function volumeLabels(name: string, appVersion: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.version]: appVersion, 'dev.slmdeck.volume': name };
}

/**
 * The request as stored in a label: everything needed to re-create or export the deployment,
 * except environment values (labels are readable by anyone who can list containers; the values
 * live in the container's own environment).
 */
export function requestLabel(req: DeployRequest): string {
  const { replace: _r, createOnly: _c, force: _f, ...keep } = req;
  return JSON.stringify({ ...keep, env: Object.fromEntries(Object.keys(req.env).map((k) => [k, ''])) });
}

/** Variables that carry credentials: set through Settings (mounted as a file), never as --env. */
const SECRET_ENV = /^(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_HUB_TOKEN|.*_API_KEY)$/;

export function checkEnv(env: Record<string, string>): void {
  const key = Object.keys(env).find((k) => SECRET_ENV.test(k));
  if (key) {
    throw new DeckError('invalid_input', `${key} would put a credential into the container's environment, where \`docker inspect\` shows it.`, 'Store the Hugging Face token in Settings: deployments read it from a read-only file.', {
      field: 'env',
    });
  }
}

export function ports(containerPort: number, hostPort: number, bindHost: string) {
  const key = `${containerPort}/tcp`;
  return {
    ExposedPorts: { [key]: {} },
    PortBindings: { [key]: [{ HostIp: bindHost, HostPort: String(hostPort) }] },
  };
}

export function limits(memoryGb: number | null, cpus: number | null): Pick<CreateOptions['HostConfig'], 'Memory' | 'NanoCpus'> {
  return {
    ...(memoryGb !== null ? { Memory: gib(memoryGb) } : {}),
    ...(cpus !== null ? { NanoCpus: Math.round(cpus * 1e9) } : {}),
  };
}

/** NVIDIA device request: specific ids, or every GPU (`--gpus all`) for ['all'] or, when `all`, for none listed. */
export function gpuRequests(gpus: string[], all: boolean): Pick<CreateOptions['HostConfig'], 'DeviceRequests'> {
  if (gpus.includes('all')) return { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] };
  if (gpus.length) return { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [...gpus], Capabilities: [['gpu']] }] };
  if (all) return { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] };
  return {};
}

/**
 * Images differ in what they ship (the Ollama image has no curl, busybox-based ones only
 * wget, vLLM has python), so probes try the usual tools in turn.
 */
export function httpProbe(url: string, extra: string[] = []): string {
  return [
    `curl -fsS -o /dev/null ${url}`,
    `wget -q -O /dev/null ${url}`,
    ...extra,
  ].join(' || ');
}

export function healthcheck(shellCommand: string, startPeriodSec: number): CreateOptions['Healthcheck'] {
  return {
    Test: ['CMD-SHELL', shellCommand],
    Interval: 10 * S,
    Timeout: 5 * S,
    StartPeriod: startPeriodSec * S,
    StartInterval: 2 * S,
    Retries: 3,
  };
}

export function envList(entries: Record<string, string>): string[] {
  return Object.entries(entries).map(([k, v]) => `${k}=${v}`);
}

/** URL the host reaches a published port on: a wildcard bind is reached through the loopback. */
export function hostForUrl(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '') return '127.0.0.1';
  if (bindHost === '::' || bindHost === '[::]') return '[::1]';
  if (bindHost.includes(':') && !bindHost.startsWith('[')) return `[${bindHost}]`;
  return bindHost;
}

const SAMPLE_PROMPT = 'A train travels 240 km in 3 hours. If it goes 20 km/h faster, how long does the same trip take?';

/** With `apiKeyFile`, the curl line reads the key from that file, so the key itself is never shown. */
export function openAiEndpoint(url: string, model: string, apiKeyFile?: string): Endpoint {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: SAMPLE_PROMPT }], max_tokens: 200 });
  const auth = apiKeyFile ? ` -H "Authorization: Bearer $(cat '${apiKeyFile}')"` : '';
  return {
    url,
    api: 'openai',
    model,
    curl: `curl ${url}/v1/chat/completions -H 'Content-Type: application/json'${auth} -d '${body}'`,
    ...(apiKeyFile ? { apiKeyFile } : {}),
  };
}

export function ollamaEndpoint(url: string, model: string): Endpoint {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: SAMPLE_PROMPT }], stream: false });
  return { url, api: 'ollama', model, curl: `curl ${url}/api/chat -d '${body}'` };
}

/** The endpoint as kept in a label: without the curl line, which is rebuilt from the rest. */
export function endpointLabel(e: Endpoint): string {
  const { curl: _curl, ...rest } = e;
  return JSON.stringify(rest);
}

export function endpointFromLabel(e: Omit<Endpoint, 'curl'>): Endpoint {
  const base = e.api === 'ollama' ? ollamaEndpoint(e.url, e.model) : openAiEndpoint(e.url, e.model, e.apiKeyFile);
  return { ...base, ...(e.webUiUrl ? { webUiUrl: e.webUiUrl } : {}) };
}
