import type { BenchBackend, BenchDevice, BenchFamily } from '../../shared/contract/bench';
import type { ChatBackend } from '../../shared/contract/chat';
import type { Deployment } from '../../shared/contract/docker';
import type { HardwareProfile } from '../../shared/contract/hardware';
import type { EngineTarget, MetricScope } from '../../shared/contract/metrics';
import { backendDefinition } from '../backends';
import type { ModelInfo } from '../chat/protocols/types';
import { engineKey } from '../metrics/engine-source';

/** Which monitor series hold a backend's memory, or why there are none. */
export interface MemoryPlan {
  memorySeries: string[];
  memoryWhat: string;
  vramSeries: string[];
  vramWhat: string;
  /** Shown when a figure is missing. */
  memoryReason: string;
  vramReason: string;
  scopes: MetricScope[];
  /** An Ollama server whose /api/ps the monitor samples while the run lasts. */
  engine?: EngineTarget;
}

export interface BackendProfile {
  family: BenchFamily;
  device: BenchDevice;
  deployment: BenchBackend['deployment'];
  memory: MemoryPlan;
}

/**
 * What a backend is (vLLM, Ollama, the ONNX engine, another OpenAI-compatible server), where
 * it runs, and which monitor series measure its memory: a managed deployment's container
 * (docker stats), an Ollama server's loaded models (/api/ps), the whole GPU's VRAM.
 */
export function profileBackend(b: ChatBackend, o: { deployments: Deployment[]; hardware: HardwareProfile | null; models: ModelInfo[] }): BackendProfile {
  const dep = b.source === 'docker' ? o.deployments.find((d) => `docker:${d.name}` === b.id) : undefined;
  const container = dep ? (dep.containers.find((c) => c.role === 'server') ?? dep.containers[0])?.name ?? null : null;
  const def = dep && backendDefinition(dep.backend);
  const family: BenchFamily = def
    ? def.info.benchFamily
    : b.kind === 'ollama'
      ? 'ollama'
      : b.source === 'embedded' || b.id === 'embedded'
        ? 'onnx'
        : o.models.some((m) => m.detail === 'vllm')
          ? 'vllm'
          : o.models.some((m) => m.detail === 'slm-deck')
            ? 'onnx'
            : 'openai';

  const gpus = o.hardware?.gpus ?? [];
  let device: BenchDevice = 'unknown';
  if (o.hardware && gpus.length === 0) device = 'cpu';
  else if (dep?.gpu && dep.gpu.state !== 'unknown') device = dep.gpu.state;
  else if (def?.info.gpu === 'required') device = 'gpu';
  else if (def?.info.gpu === 'none') device = 'cpu';

  const scopes = new Set<MetricScope>();
  const memory: MemoryPlan = { memorySeries: [], memoryWhat: '', vramSeries: [], vramWhat: '', memoryReason: '', vramReason: '', scopes: [] };
  if (container) {
    memory.memorySeries = [`container.${container}.mem`];
    memory.memoryWhat = `container ${container} (docker stats)`;
    scopes.add('containers');
  }
  if (b.kind === 'ollama') {
    const key = engineKey(b.baseUrl);
    memory.engine = { kind: 'ollama', url: b.baseUrl, label: b.label };
    scopes.add('engines');
    if (!container) {
      memory.memorySeries = [`engine.${key}.memory`];
      memory.memoryWhat = 'loaded models (Ollama /api/ps)';
    }
    memory.vramSeries = [`engine.${key}.vram`];
    memory.vramWhat = 'loaded models in VRAM (Ollama /api/ps)';
  } else if (gpus.length && (device === 'gpu' || device === 'unknown')) {
    memory.vramSeries = gpus.map((g) => `gpu.${g.vendor}${g.index}.vram`);
    memory.vramWhat = 'whole GPU (other programs included)';
    scopes.add('gpu');
  }
  memory.memoryReason = memory.memorySeries.length
    ? 'the monitor had no sample of it during the run'
    : b.source === 'embedded' || b.id === 'embedded'
      ? 'the embedded engine runs inside the app; its memory is not measured on its own'
      : 'not a SLM Deck container: nothing to measure its memory with';
  memory.vramReason = memory.vramSeries.length ? 'the monitor had no sample of it during the run' : gpus.length ? 'runs on the CPU' : o.hardware ? 'no GPU on this machine' : 'unknown (no hardware profile)';
  memory.scopes = [...scopes];
  return { family, device, deployment: dep ? { name: dep.name, backend: dep.backend, container } : null, memory };
}
