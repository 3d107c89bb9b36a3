import type { Backend } from '../../shared/contract/deploy-config';
import type { ContainerSpec } from '../../shared/contract/docker';
import { OLLAMA_PORT } from './specs/ollama';

/**
 * What the compose and Kubernetes exports need to know about a backend beyond its
 * containers: how to probe it over HTTP, what to run once it is healthy, and what the user
 * must make before the file runs. Data only; the exports read it, nothing switches on ids.
 */
export interface ExportHooks {
  /** HTTP paths each container answers on once it is up (Kubernetes probes). */
  healthPaths: Partial<Record<ContainerRole, string>>;
  /** Kubernetes: a shell script an init container runs with the server's image and volumes (Ollama pulls its model). */
  kubeInit?: (model: string) => string;
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

type ContainerRole = ContainerSpec['role'];

/** POSIX single quotes around a value a script passes as one word. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export const EXPORT_HOOKS: Record<Exclude<Backend, 'embedded'>, ExportHooks> = {
  'vllm-gpu': { healthPaths: { server: '/health' } },
  'vllm-cpu': { healthPaths: { server: '/health' } },
  ollama: {
    healthPaths: { server: '/api/tags', webui: '/health' },
    // A private server on the model volume until the pull is done, so the real one starts with the model there.
    kubeInit: (model) =>
      `ollama serve >/dev/null 2>&1 & until ollama list >/dev/null 2>&1; do sleep 1; done; ollama pull ${shellQuote(model)}; s=$?; kill $!; exit $s`,
    afterHealthy: {
      // The Ollama CLI talks to the server named by OLLAMA_HOST; `pull` returns once the model is stored.
      entrypoint: ['/bin/ollama'],
      command: (model) => ['pull', model],
      env: (serverHost) => ({ OLLAMA_HOST: `http://${serverHost}:${OLLAMA_PORT}` }),
    },
  },
  'onnx-engine': {
    healthPaths: { server: '/health' },
    buildCommand: 'slm-deck engine build-image',
    modelDownload: (model) => `slm-deck engine download ${model}`,
  },
};

export function exportHooks(backend: Backend): ExportHooks {
  if (backend === 'embedded') return { healthPaths: { server: '/health' } };
  return EXPORT_HOOKS[backend];
}
