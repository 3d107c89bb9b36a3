import { z } from 'zod';
import { BackendSchema, DeploymentConfigSchema } from './deploy-config';
import { method } from './define';

/** A probe's outcome: `absent` = the tool or service is not there; `unknown` = it is there but gave no usable answer. */
export const ProbeStateSchema = z.enum(['ok', 'absent', 'unknown']);
export type ProbeState = z.infer<typeof ProbeStateSchema>;

export const ToolReportSchema = z.object({
  tool: z.enum(['nvidia-smi', 'rocm-smi', 'system_profiler', 'systeminformation']),
  state: ProbeStateSchema,
  message: z.string(),
  hint: z.string().optional(),
});
export type ToolReport = z.infer<typeof ToolReportSchema>;

export const OsInfoSchema = z.object({
  platform: z.string(),
  distro: z.string(),
  release: z.string(),
  kernel: z.string(),
  arch: z.string(),
});

/** Instruction sets that decide which inference kernels a CPU can use. */
export const CpuFlagsSchema = z.object({
  avx2: z.boolean(),
  avx512: z.boolean(),
  avx512bf16: z.boolean(),
  amx: z.boolean(),
  neon: z.boolean(),
});
export type CpuFlags = z.infer<typeof CpuFlagsSchema>;

export const CpuInfoSchema = z.object({
  model: z.string(),
  vendor: z.string(),
  physicalCores: z.number().int().nonnegative(),
  logicalCores: z.number().int().nonnegative(),
  speedGhz: z.number().nullable(),
  flags: CpuFlagsSchema,
  /** Percent of all cores busy right now; null when it could not be measured. */
  loadPercent: z.number().nullable(),
});

export const MemoryInfoSchema = z.object({
  totalBytes: z.number().nonnegative(),
  /** What programs can still get without swapping (Linux MemAvailable). */
  availableBytes: z.number().nonnegative(),
  swapTotalBytes: z.number().nonnegative(),
  swapUsedBytes: z.number().nonnegative(),
});
export type MemoryInfo = z.infer<typeof MemoryInfoSchema>;

export const GpuVendorSchema = z.enum(['nvidia', 'amd', 'apple', 'intel', 'other']);
export const GpuInfoSchema = z.object({
  index: z.number().int().nonnegative(),
  vendor: GpuVendorSchema,
  name: z.string(),
  uuid: z.string().nullable(),
  vramTotalBytes: z.number().nonnegative().nullable(),
  vramUsedBytes: z.number().nonnegative().nullable(),
  vramFreeBytes: z.number().nonnegative().nullable(),
  /** Apple Silicon and other integrated GPUs share system RAM. */
  unifiedMemory: z.boolean(),
  driverVersion: z.string().nullable(),
  /** Highest CUDA version the driver supports (nvidia-smi header), not an installed toolkit. */
  cudaVersion: z.string().nullable(),
  computeCapability: z.string().nullable(),
  utilizationPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  powerDrawW: z.number().nullable(),
  powerLimitW: z.number().nullable(),
  /** The compute API inference engines would use on it. */
  api: z.enum(['cuda', 'rocm', 'metal', 'none']),
  source: ToolReportSchema.shape.tool,
});
export type GpuInfo = z.infer<typeof GpuInfoSchema>;

export const DiskSpaceSchema = z.object({
  label: z.string(),
  path: z.string(),
  state: ProbeStateSchema,
  totalBytes: z.number().nonnegative().nullable(),
  freeBytes: z.number().nonnegative().nullable(),
  hint: z.string().optional(),
});
export type DiskSpace = z.infer<typeof DiskSpaceSchema>;

/** What the Docker daemon says about itself, or why it could not be asked. */
export const DockerProbeResultSchema = z.object({
  reachable: z.boolean(),
  /** The endpoint that was tried, e.g. unix:///var/run/docker.sock. */
  endpoint: z.string(),
  /** ssh:// or tcp://: the daemon runs on another machine, and the planner plans for that machine. */
  remote: z.boolean().optional(),
  reason: z.string().optional(),
  hint: z.string().optional(),
  version: z.string().optional(),
  apiVersion: z.string().optional(),
  /** Daemon OS and architecture (`linux`, `x86_64` or `amd64`), which decide the images it can run. */
  os: z.string().optional(),
  arch: z.string().optional(),
  /** e.g. "Docker Desktop", "Debian GNU/Linux 12 (bookworm)". */
  operatingSystem: z.string().optional(),
  dataRoot: z.string().optional(),
  /** Memory the daemon can give containers (Docker Desktop: its VM's memory). */
  memTotalBytes: z.number().nonnegative().optional(),
  ncpu: z.number().int().nonnegative().optional(),
  nvidiaRuntime: z.boolean(),
  /** CDI device names the daemon discovered, e.g. nvidia.com/gpu=0. */
  cdiDevices: z.array(z.string()),
  /** True when containers can be given an NVIDIA GPU (nvidia runtime or CDI devices). */
  gpuPassthrough: z.boolean(),
});
export type DockerProbeResult = z.infer<typeof DockerProbeResultSchema>;

export const OllamaNativeSchema = z.object({
  reachable: z.boolean(),
  url: z.string(),
  version: z.string().optional(),
  reason: z.string().optional(),
  hint: z.string().optional(),
});
export type OllamaNative = z.infer<typeof OllamaNativeSchema>;

export const HardwareProfileSchema = z.object({
  collectedAt: z.number(),
  /** How long detection took, in milliseconds. */
  durationMs: z.number(),
  os: OsInfoSchema,
  cpu: CpuInfoSchema,
  memory: MemoryInfoSchema,
  gpus: z.array(GpuInfoSchema),
  /** One report per GPU tool that was tried, so "no GPU" and "could not tell" differ. */
  gpuTools: z.array(ToolReportSchema),
  disks: z.object({ models: DiskSpaceSchema, dockerData: DiskSpaceSchema.nullable() }),
  docker: DockerProbeResultSchema,
  ollama: OllamaNativeSchema,
});
export type HardwareProfile = z.infer<typeof HardwareProfileSchema>;

// ---- Model catalog (resources/catalog/models.json) ----

/** The numbers a memory estimate needs (from the model's config.json). */
export const ArchitectureSchema = z.object({
  layers: z.number().int().positive(),
  attentionHeads: z.number().int().positive(),
  kvHeads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  hiddenSize: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  maxContext: z.number().int().positive(),
});
export type Architecture = z.infer<typeof ArchitectureSchema>;

export const ModelFormSchema = z.object({
  /** Unique within the model; the deployable reference is `<model id>/<form id>`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i),
  label: z.string(),
  backends: z.array(BackendSchema).min(1),
  format: z.enum(['gguf', 'safetensors', 'onnx']),
  precision: z.string(),
  /** Size of the weights on disk, which is also what they take in memory once loaded. */
  weightsBytes: z.number().positive(),
  /** Where weightsBytes comes from, so a reviewer can check it. */
  weightsSource: z.string(),
  /** Bytes per KV-cache element: 2 for fp16/bf16, 4 for fp32. */
  kvBytesPerElement: z.number().positive(),
  /** `gpu` forms need a CUDA GPU; `any` run on CPU or GPU. */
  device: z.enum(['cpu', 'gpu', 'any']),
  ollamaTag: z.string().optional(),
  hfRepo: z.string().optional(),
  hfFolder: z.string().optional(),
  /** GGUF quantisation tag in hfRepo, for llama.cpp's `-hf REPO:QUANT`. */
  hfQuant: z.string().optional(),
  /** Set when the form cannot be deployed as is (e.g. AWQ needs an AWQ checkpoint). */
  unavailableReason: z.string().optional(),
  note: z.string().optional(),
});
export type ModelForm = z.infer<typeof ModelFormSchema>;

export const CatalogModelSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i),
  name: z.string(),
  publisher: z.string(),
  parameters: z.number().positive(),
  license: z.string(),
  architecture: ArchitectureSchema,
  /** vLLM `--tool-call-parser` for this model family, when it supports tool calls. */
  vllmToolCallParser: z.string().optional(),
  /** vLLM `--trust-remote-code`: only for models whose repo ships its own Python code (runs it on the server). */
  trustRemoteCode: z.boolean().optional(),
  forms: z.array(ModelFormSchema).min(1),
});
export type CatalogModel = z.infer<typeof CatalogModelSchema>;

/** Per-backend constants of the estimate, kept as data so they can be checked and tuned. */
export const RuntimeProfileSchema = z.object({
  label: z.string(),
  /** Fixed memory of the server process itself. */
  runtimeBytes: z.number().nonnegative(),
  runtimeNote: z.string(),
  /** Float32 logits buffer: tokens x vocab x 4 B; `parallel` = one row per concurrent sequence. */
  logitsTokens: z.union([z.number().int().positive(), z.literal('parallel')]),
  logitsNote: z.string(),
});
export type RuntimeProfile = z.infer<typeof RuntimeProfileSchema>;

export const CatalogSchema = z.object({
  version: z.literal(1),
  /** One profile per backend id (an exhaustive record: a backend without one fails validation). */
  runtimes: z.record(BackendSchema, RuntimeProfileSchema),
  models: z.array(CatalogModelSchema).min(1),
});
export type Catalog = z.infer<typeof CatalogSchema>;

// ---- Plan ----

export const VerdictSchema = z.enum(['fits', 'tight', 'wont-fit', 'unavailable']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** One line of an estimate: a reviewer can redo `formula` by hand and get `bytes`. */
export const EstimateTermSchema = z.object({
  key: z.enum(['weights', 'kv-cache', 'runtime', 'logits']),
  label: z.string(),
  bytes: z.number(),
  formula: z.string(),
});
export type EstimateTerm = z.infer<typeof EstimateTermSchema>;

export const FitCheckSchema = z.object({ label: z.string(), ok: z.boolean().nullable(), detail: z.string() });

export const EstimateSchema = z.object({
  /** Where the model lives while it runs. */
  memory: z.enum(['ram', 'vram']),
  terms: z.array(EstimateTermSchema),
  totalBytes: z.number(),
  /** What it is compared with (available RAM, VRAM, vLLM's reservation...); null when unknown. */
  budgetBytes: z.number().nullable(),
  budgetLabel: z.string(),
  checks: z.array(FitCheckSchema),
});
export type Estimate = z.infer<typeof EstimateSchema>;

export const FitRowSchema = z.object({
  backend: BackendSchema,
  /** `<model id>/<form id>`. */
  model: z.string(),
  formLabel: z.string(),
  context: z.number().int(),
  parallel: z.number().int(),
  verdict: VerdictSchema,
  /** One sentence saying why. */
  reason: z.string(),
  hint: z.string().optional(),
  estimate: EstimateSchema,
  /** Largest context (multiple of 256) with verdict Fits / at least Tight; null when none. */
  maxContext: z.object({ fits: z.number().int().nullable(), tight: z.number().int().nullable() }),
  notes: z.array(z.string()),
});
export type FitRow = z.infer<typeof FitRowSchema>;

export const TierSchema = z.enum(['development', 'cpu-production', 'gpu-production', 'edge-optimised']);
export type Tier = z.infer<typeof TierSchema>;

export const RecommendationSchema = z.object({
  tier: TierSchema,
  tierLabel: z.string(),
  /** e.g. "Ollama (Docker) with phi4-mini:3.8b-q4_K_M on the CPU". */
  headline: z.string(),
  /** Plain sentences, in order: what the machine has, what that rules in or out, what was chosen. */
  why: z.array(z.string()),
  config: DeploymentConfigSchema,
  row: FitRowSchema,
  alternatives: z.array(z.string()),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const PlanSchema = z.object({
  model: z.object({ id: z.string(), name: z.string(), maxContext: z.number().int() }),
  context: z.number().int(),
  parallel: z.number().int(),
  /** The measured facts the plan used, in words. */
  facts: z.array(z.string()),
  rows: z.array(FitRowSchema),
  recommendation: RecommendationSchema,
  /** One config per Docker backend from the machine and the planner (the recommendation's for its backend). */
  configs: z.array(DeploymentConfigSchema),
  profileCollectedAt: z.number(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const PlanInputSchema = z
  .object({
    /** A catalog model id; default the first (Phi-4-mini-instruct). */
    model: z.string().optional(),
    /** Context length for the fit table; the recommendation also uses it when given. */
    context: z.number().int().min(256).max(1_048_576).optional(),
    /** Concurrent full-length sequences to budget for. */
    parallel: z.number().int().min(1).max(64).optional(),
    refresh: z.boolean().optional(),
  })
  .strict();
export type PlanInput = z.infer<typeof PlanInputSchema>;

export const hardwareMethods = {
  'hardware.profile': method(
    z.object({ refresh: z.boolean().optional() }).strict(),
    HardwareProfileSchema,
    'This machine: OS, CPU, memory, GPUs, disk, Docker and a native Ollama (cached for a few seconds).',
  ),
  'hardware.catalog': method(z.object({}).strict(), CatalogSchema, 'The model catalog: every model form per backend with its sizes.'),
  'hardware.plan': method(
    PlanInputSchema,
    PlanSchema,
    'Fit verdicts for every backend and model form, with each estimate term, and a recommended deployment.',
  ),
};
