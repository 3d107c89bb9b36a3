import { buildOnnxEngineSpec, ENGINE_PORT, engineModelFolder } from '../docker/specs/onnx-engine';
import type { BackendDefinition } from './types';

/** The folder's last path segment names the model, as the engine's /v1/models does. */
export function folderModelName(raw: string): string {
  return raw.split(/[\\/]/).filter(Boolean).pop() ?? raw;
}

/** What the engine is wherever it runs (in Docker or in the app): naming, chat, metrics, planning. */
export const engineServing = {
  resolveModel: (r) => ({ served: folderModelName(r.raw), awqCheckpoint: false }),
  servedFromCatalog: (_model, form) => ({ served: folderModelName(form.hfFolder ?? form.id), awqCheckpoint: false }),
  chat: { streamToolCalls: true },
  metricsKind: 'onnx',
  firstStartDownloadBytes: 0,
  planner: {
    storage: 'model-store',
    needsCuda: false,
    placement: () => 'ram',
    spillsToRam: false,
    budget: 'memory',
  },
} satisfies Partial<BackendDefinition>;

/** SLM Deck's ONNX Runtime engine, built locally from resources/engine/Dockerfile. */
export const onnxEngine: BackendDefinition = {
  info: {
    id: 'onnx-engine',
    label: 'ONNX engine (Docker)',
    description: 'SLM Deck’s ONNX Runtime engine in a container; int4 on CPU.',
    runsIn: 'docker',
    // Built on this machine (engine.buildImage), never pulled.
    images: [{ accelerator: 'cpu', image: 'slm-deck/onnx-engine', bytes: 0 }],
    containerPort: ENGINE_PORT,
    defaultHostPort: 8080,
    chatProtocol: 'openai',
    healthPath: '/health',
    metricsPath: '/metrics',
    benchFamily: 'onnx',
    gpu: 'none',
    options: ['modelPath'],
    defaults: {
      backend: 'onnx-engine',
      model: 'phi-4-mini-instruct/onnx-cpu-int4',
      hostPort: 8080,
      bindHost: '127.0.0.1',
      contextLength: 4096,
      parallel: 1,
      gpus: [],
      memoryLimitGb: 8,
      cpus: 4,
      env: {},
      openWebUi: false,
    },
  },
  buildSpec: buildOnnxEngineSpec,
  modelFolder: engineModelFolder,
  ...engineServing,
  export: {
    buildCommand: 'slm-deck engine build-image',
    modelDownload: (model) => `slm-deck engine download ${model}`,
  },
};
