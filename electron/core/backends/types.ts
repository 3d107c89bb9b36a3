import type { BackendInfo } from '../../shared/contract/backends';
import type { DeploymentConfig } from '../../shared/contract/deploy-config';
import type { DeployRequest, DeploymentSpec } from '../../shared/contract/docker';
import type { CatalogModel, EstimateTerm, FitRow, ModelForm } from '../../shared/contract/hardware';
import type { EngineKind } from '../../shared/contract/metrics';
import type { ResolvedModel } from '../docker/model-ref';
import type { SpecContext } from '../docker/specs/common';
import type { MachineView, RowInput } from '../hardware/estimate';

/** A model reference split the way the built-in rules read it: `phi-4-mini-instruct/ollama-q4_K_M`. */
export interface ModelRef {
  /** As given, trimmed. */
  raw: string;
  /** Before the first '/', or all of it. */
  family: string;
  /** After the first '/', or ''. */
  form: string;
  /** The family is Phi-4-mini (phi-4-mini, phi4-mini, phi-4-mini-instruct). */
  isPhi4Mini: boolean;
}

/** What a plan row turns into for this backend, beyond the common fields. */
export interface PlannedConfigInput {
  row: FitRow;
  model: CatalogModel;
  form: ModelForm;
  m: MachineView;
  onGpu: boolean;
}

/** How the planner estimates and judges this backend on a machine. */
export interface PlannerTerms {
  /** What the KV term's parallel count is called in this server's flags. */
  sequencesWord?: string;
  /** Where the weights are kept: in Docker volumes, or in SLM Deck's model store. */
  storage: 'docker-data' | 'model-store';
  /** Needs a CUDA GPU whatever the model form. */
  needsCuda: boolean;
  /** Why it cannot run on this machine beyond Docker and the form's device, or null. */
  unavailable?(input: RowInput, m: MachineView): { reason: string; hint?: string } | null;
  /** Where the model lives while it runs here. */
  placement(input: RowInput, m: MachineView): 'ram' | 'vram';
  /** Short of VRAM, it keeps the layers that do not fit on the CPU (llama.cpp offload) instead of failing. */
  spillsToRam: boolean;
  /** `memory`: compared with free RAM or VRAM; `vllm-reservation`: vLLM's up-front VRAM share. */
  budget: 'memory' | 'vllm-reservation';
  /** What the server reserves for `kvBytes` of KV cache when it rounds it (vLLM CPU), with a note for the formula. */
  reservedKv?(kvBytes: number): { bytes: number; note: string };
  /** The runtime term when the server estimates its own overhead from the KV cache (Ollama). */
  runtimeTerm?(input: RowInput, kvBytes: number, runtime: { runtimeBytes: number; runtimeNote: string }): EstimateTerm;
  /** Bytes per KV element when the deployment overrides the form's (e.g. a quantised KV cache). */
  kvBytesPerElement?(config: Pick<DeploymentConfig, 'llamaCpp'>): number | null;
  notes?(input: RowInput, m: MachineView, where: 'ram' | 'vram'): string[];
  /** Container memory limit for a planned deployment (GiB, null = none); default total + 1 GiB, none on a GPU. */
  memoryLimitGb?(c: PlannedConfigInput): number | null;
  /** Backend-specific parts of a planned deployment: environment and option blocks. */
  config?(c: PlannedConfigInput): Partial<Pick<DeploymentConfig, 'env' | 'vllm' | 'llamaCpp'>>;
}

/**
 * What the compose and Kubernetes exports need beyond the containers (the server's health
 * path is `info.healthPath`).
 */
export interface ExportHooks {
  /** Health path of the Open WebUI companion, for Kubernetes probes. */
  webUiHealthPath?: string;
  /** Compose: a one-shot step with the server's image once the server is healthy (Ollama pulls its model). */
  afterHealthy?: {
    entrypoint: string[];
    command: (model: string) => string[];
    env: (serverHost: string) => Record<string, string>;
  };
  /** Kubernetes: a shell script an init container runs with the server's image and volumes. */
  kubeInit?: (model: string) => string;
  /** The image is built by SLM Deck, not pulled: the command that builds it. */
  buildCommand?: string;
  /** The server reads a model folder from the host: the command that downloads it. */
  modelDownload?: (model: string) => string;
  /** Kubernetes: environment variables read from the stored-secrets Secret (name -> key), e.g. HF_TOKEN for gated models. */
  secretEnv?: Record<string, string>;
}

/**
 * Everything SLM Deck knows about one backend, in one place. The contract, the Deploy page,
 * the CLI, the planner, the monitor and the benchmark read these; nothing else switches on
 * the backend id.
 */
export interface BackendDefinition {
  info: BackendInfo;
  /** Docker backends: the containers, volumes and network for a request. Pure: no Docker, no I/O. */
  buildSpec?(req: DeployRequest, ctx: SpecContext): DeploymentSpec;
  /** A host folder the deployment mounts and that must exist (the ONNX engine's model folder). */
  modelFolder?(req: DeployRequest, ctx: SpecContext): string;
  /** What the server must be told to load, from a name a person typed or a ref the catalog does not hold. */
  resolveModel(ref: ModelRef): ResolvedModel;
  /** What the server must be told to load for a catalog form. */
  servedFromCatalog(model: CatalogModel, form: ModelForm, ref: string): ResolvedModel;
  chat: {
    /** False when the server cannot stream tool calls (vLLM's phi4_mini_json parser): tool turns go unstreamed. */
    streamToolCalls: boolean;
  };
  /** How the monitor reads the server: `ollama` through /api/ps, the others from Prometheus `/metrics`. */
  metricsKind: EngineKind;
  /** Weights the server downloads into its volume on first start (Phi-4-mini), for the disk check. */
  firstStartDownloadBytes: number;
  planner: PlannerTerms;
  /** Extra facts for the compose and Kubernetes exports. */
  export?: ExportHooks;
}
