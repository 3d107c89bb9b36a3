import type { Backend } from '../../shared/contract/deploy-config';
import { OLLAMA_PORT } from './specs/ollama';

/**
 * What the compose and Kubernetes exports need to know about a backend beyond its
 * containers: how to probe it over HTTP, what to run once it is healthy, and what the user
 * must make before the file runs. Data only; the exports read it, nothing switches on ids.
 */
export interface ExportHooks {
  /** HTTP path the server answers on once it is up (Kubernetes probes). */
  healthPath: string;
  /** A one-shot step with the server's image once the server is healthy (Ollama pulls its model). */
  afterHealthy?: {
    entrypoint: string[];
    command: (model: string) => string[];
    env: (serverHost: string) => Record<string, string>;
  };
  /** The image is built by the app, not pulled: the command that builds it. */
  buildCommand?: string;
  /** The server reads a model folder from the host: the command that downloads it. */
  modelDownload?: (model: string) => string;
}

export const EXPORT_HOOKS: Record<Exclude<Backend, 'embedded'>, ExportHooks> = {
  'vllm-gpu': { healthPath: '/health' },
  'vllm-cpu': { healthPath: '/health' },
  ollama: {
    healthPath: '/api/tags',
    afterHealthy: {
      // The Ollama CLI talks to the server named by OLLAMA_HOST; `pull` returns once the model is stored.
      entrypoint: ['/bin/ollama'],
      command: (model) => ['pull', model],
      env: (serverHost) => ({ OLLAMA_HOST: `http://${serverHost}:${OLLAMA_PORT}` }),
    },
  },
  'onnx-engine': {
    healthPath: '/health',
    buildCommand: 'slm-deck engine build-image',
    modelDownload: (model) => `slm-deck engine download ${model}`,
  },
};

export function exportHooks(backend: Backend): ExportHooks {
  if (backend === 'embedded') return { healthPath: '/health' };
  return EXPORT_HOOKS[backend];
}
