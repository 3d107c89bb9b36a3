import { buildOllamaSpec, OLLAMA_IMAGE, OLLAMA_PORT } from '../docker/specs/ollama';
import type { EstimateTerm } from '../../shared/contract/hardware';
import { fmtBytes } from '../../shared/format';
import type { RowInput } from '../hardware/estimate';
import type { BackendDefinition } from './types';

/** POSIX single quotes around a value a script passes as one word. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const GB = 1e9;

/** Ollama in a container: the seed's service with its data volume and optional Open WebUI. */
export const ollama: BackendDefinition = {
  info: {
    id: 'ollama',
    label: 'Ollama (Docker)',
    description: 'Simple and light; GGUF models, runs on CPU or GPU.',
    runsIn: 'docker',
    images: [{ accelerator: 'cpu', image: OLLAMA_IMAGE, bytes: 5 * GB }],
    containerPort: OLLAMA_PORT,
    defaultHostPort: 11434,
    chatProtocol: 'ollama',
    healthPath: '/api/tags',
    metricsPath: null,
    benchFamily: 'ollama',
    gpu: 'optional',
    options: ['openWebUi'],
    defaults: {
      backend: 'ollama',
      model: 'phi-4-mini-instruct/ollama-q4_K_M',
      hostPort: 11434,
      bindHost: '127.0.0.1',
      contextLength: 4096,
      parallel: 4,
      gpus: [],
      memoryLimitGb: 12,
      cpus: null,
      env: {},
      openWebUi: false,
    },
  },
  buildSpec: buildOllamaSpec,
  resolveModel: (r) => {
    if (!r.isPhi4Mini) return { served: r.raw, awqCheckpoint: false };
    const quant = /^ollama-(.+)$/.exec(r.form)?.[1];
    return { served: quant ? `phi4-mini:3.8b-${quant}` : 'phi4-mini', awqCheckpoint: false };
  },
  servedFromCatalog: (model, form) => ({ served: form.ollamaTag ?? model.id, awqCheckpoint: false }),
  chat: { streamToolCalls: true },
  metricsKind: 'ollama',
  firstStartDownloadBytes: 2.5 * GB,
  planner: {
    sequencesWord: 'parallel requests (OLLAMA_NUM_PARALLEL)',
    storage: 'docker-data',
    needsCuda: false,
    placement: (_input, m) => (m.cudaGpu && m.docker.gpuPassthrough ? 'vram' : 'ram'),
    spillsToRam: true,
    budget: 'memory',
    notes: (_input, m, where) => (where === 'ram' && m.cudaGpu && !m.docker.gpuPassthrough ? ['Runs on the CPU: Docker cannot pass the GPU through.'] : []),
    runtimeTerm: ollamaOverheadTerm,
    config: ({ row }) => ({
      env: { OLLAMA_NUM_PARALLEL: String(row.parallel), OLLAMA_MAX_LOADED_MODELS: '1', OLLAMA_FLASH_ATTENTION: '1', OLLAMA_CONTEXT_LENGTH: String(row.context) },
    }),
  },
  export: {
    webUiHealthPath: '/health',
    // The Ollama CLI talks to the server named by OLLAMA_HOST; `pull` returns once the model is stored.
    afterHealthy: {
      entrypoint: ['/bin/ollama'],
      command: (model) => ['pull', model],
      env: (serverHost) => ({ OLLAMA_HOST: `http://${serverHost}:${OLLAMA_PORT}` }),
    },
    // A private server on the model volume until the pull is done, so the real one starts with the model there.
    kubeInit: (model) =>
      `ollama serve >/dev/null 2>&1 & until ollama list >/dev/null 2>&1; do sleep 1; done; ollama pull ${shellQuote(model)}; s=$?; kill $!; exit $s`,
  },
};

/**
 * Ollama's own estimate (llm/memory.go, EstimateGPULayers): GraphSize has no formula for
 * Phi-4-mini's architecture (phi3), so the compute graph is `GQA × kv / 6` with GQA = heads /
 * KV heads and kv the KV cache of num_ctx × OLLAMA_NUM_PARALLEL tokens; one layer (blk.0) is
 * added as a buffer. Plus the server and runner processes (the catalog's runtimeBytes).
 */
export function ollamaOverheadTerm(input: RowInput, kvBytes: number, rt: { runtimeBytes: number; runtimeNote: string }): EstimateTerm {
  const a = input.model.architecture;
  const gqa = Math.floor(a.attentionHeads / a.kvHeads);
  const graph = Math.floor((gqa * kvBytes) / 6);
  const layer = Math.ceil(input.form.weightsBytes / a.layers);
  const bytes = graph + layer + rt.runtimeBytes;
  return {
    key: 'runtime',
    label: 'Runtime overhead (as Ollama estimates it)',
    bytes,
    formula:
      `compute graph GQA ${gqa} (${a.attentionHeads} heads / ${a.kvHeads} KV heads) × KV ${fmtBytes(kvBytes)} / 6 = ${fmtBytes(graph)} (Ollama llm/memory.go, no GraphSize formula for phi3)` +
      ` + one layer as a buffer ${fmtBytes(input.form.weightsBytes)} / ${a.layers} = ${fmtBytes(layer)} + ${fmtBytes(rt.runtimeBytes)} (${rt.runtimeNote}) = ${fmtBytes(bytes)}`,
  };
}
