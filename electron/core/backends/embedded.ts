import type { BackendDefinition } from './types';
import { engineServing } from './onnx-engine';

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
  ...engineServing,
  // Runs as a process of the app: no container limit to fill in.
  planner: { ...engineServing.planner, memoryLimitGb: () => null },
};
