import type { BackendDefinition } from './types';
import { folderModelName } from './onnx-engine';

/** The ONNX engine as a child process of SLM Deck: no Docker, started from its own card. */
export const embedded: BackendDefinition = {
  info: {
    id: 'embedded',
    label: 'Embedded ONNX engine (no Docker)',
    description: 'Runs inside SLM Deck, no Docker needed; int4 on CPU.',
    runsIn: 'app',
    images: [],
    containerPort: 8081,
    defaultHostPort: 8081,
    chatProtocol: 'openai',
    healthPath: '/health',
    metricsPath: '/metrics',
    benchFamily: 'onnx',
    gpu: 'none',
    options: [],
    defaults: null,
  },
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
    memoryLimitGb: () => null,
  },
};
