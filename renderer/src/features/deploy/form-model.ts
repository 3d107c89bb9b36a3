import type { BackendInfo } from '../../../../electron/shared/contract/backends';
import type { Backend, DeploymentConfig, LlamaCppOptions, VllmOptions } from '../../../../electron/shared/contract/deploy-config';
import type { DeployInput } from '../../../../electron/shared/contract/docker';

/** The form keeps what people type (strings); numbers are parsed on submit and checked by the contract. */
export interface FormState {
  /** A backend whose definition runs in Docker (`backends.list`). */
  backend: Backend;
  name: string;
  model: string;
  hostPort: string;
  bindHost: string;
  contextLength: string;
  parallel: string;
  gpus: string;
  memoryLimitGb: string;
  cpus: string;
  env: string;
  openWebUi: boolean;
  webUiPort: string;
  toolCalling: boolean;
  gpuMemoryUtilization: string;
  modelPath: string;
  kvCacheType: LlamaCppOptions['kvCacheType'];
  replace: boolean;
  /** vLLM options the form does not show (from a plan), passed through unchanged. */
  vllmRest: Omit<VllmOptions, 'toolCalling' | 'gpuMemoryUtilization'>;
}

export function formFromConfig(c: DeploymentConfig, name = ''): FormState {
  const { toolCalling, gpuMemoryUtilization, ...vllmRest } = c.vllm ?? { toolCalling: true, gpuMemoryUtilization: 0.8 };
  return {
    backend: c.backend,
    name,
    model: c.model,
    hostPort: String(c.hostPort),
    bindHost: c.bindHost,
    contextLength: String(c.contextLength),
    parallel: String(c.parallel),
    gpus: c.gpus.join(', '),
    memoryLimitGb: c.memoryLimitGb === null ? '' : String(c.memoryLimitGb),
    cpus: c.cpus === null ? '' : String(c.cpus),
    env: Object.entries(c.env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    openWebUi: c.openWebUi,
    webUiPort: '3000',
    toolCalling,
    gpuMemoryUtilization: String(gpuMemoryUtilization),
    modelPath: '',
    kvCacheType: c.llamaCpp?.kvCacheType ?? 'f16',
    replace: false,
    vllmRest,
  };
}

const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));
const optNum = (s: string): number | null => (s.trim() === '' ? null : Number(s));

export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return env;
}

/** The request the form stands for; invalid numbers stay NaN so the contract names the field. */
export function formToInput(f: FormState, info: BackendInfo): DeployInput {
  const has = (o: BackendInfo['options'][number]) => info.options.includes(o);
  return {
    backend: f.backend,
    model: f.model.trim(),
    hostPort: num(f.hostPort),
    bindHost: f.bindHost.trim(),
    contextLength: num(f.contextLength),
    parallel: num(f.parallel),
    gpus: f.gpus
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    memoryLimitGb: optNum(f.memoryLimitGb),
    cpus: optNum(f.cpus),
    env: parseEnv(f.env),
    openWebUi: has('openWebUi') && f.openWebUi,
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    ...(has('openWebUi') && f.openWebUi ? { webUiPort: num(f.webUiPort) } : {}),
    ...(has('modelPath') && f.modelPath.trim() ? { modelPath: f.modelPath.trim() } : {}),
    ...(has('toolCalling') ? { vllm: { ...f.vllmRest, toolCalling: f.toolCalling, gpuMemoryUtilization: num(f.gpuMemoryUtilization) } } : {}),
    ...(has('kvCacheType') ? { llamaCpp: { kvCacheType: f.kvCacheType } } : {}),
    ...(f.replace ? { replace: true } : {}),
  };
}

/** Which phase a deploy task is in, from its step text. */
export const PHASES = ['Checks', 'Pull', 'Create', 'Start', 'Healthy'] as const;
export function phaseOf(step: string, state: string): number {
  if (state === 'succeeded') return PHASES.length;
  if (/^Pulling/.test(step)) return 1;
  if (/^Creat/.test(step)) return 2;
  if (/^Starting/.test(step)) return 3;
  if (/^Waiting|^Checking that the GPU/.test(step)) return 4;
  return 0;
}
