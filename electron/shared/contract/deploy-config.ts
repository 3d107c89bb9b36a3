import { z } from 'zod';

/**
 * A complete deployment: what the planner recommends and what the Deploy page starts as is.
 * Shared by the hardware planner (producer) and the Docker/engine deployers (consumers), so
 * keep it stable: add optional fields rather than changing existing ones.
 */
/**
 * The ids of the backends, in display order. Everything else about a backend (label, images,
 * ports, spec builder, planner terms...) is in its definition under electron/core/backends/,
 * and the renderer reads it over `backends.list`.
 */
export const BACKEND_IDS = ['vllm-gpu', 'vllm-cpu', 'ollama', 'onnx-engine', 'llama-cpp', 'embedded'] as const;
export const BackendSchema = z.enum(BACKEND_IDS);
export type Backend = z.infer<typeof BackendSchema>;

export const VllmOptionsSchema = z.object({
  /** Fraction of each GPU's VRAM vLLM reserves up front (`--gpu-memory-utilization`). */
  gpuMemoryUtilization: z.number().gt(0).max(1).default(0.8),
  /** `--enable-auto-tool-choice --tool-call-parser phi4_mini_json` for Phi-4-mini. */
  toolCalling: z.boolean().default(false),
  /** `--tool-call-parser` value; required when toolCalling is on. */
  toolCallParser: z.string().optional(),
  /** CPU image only: `VLLM_CPU_KVCACHE_SPACE` in GiB. */
  cpuKvCacheGb: z.number().int().positive().optional(),
  /** `--shm-size` in GiB (vLLM workers share tensors through /dev/shm). */
  shmSizeGb: z.number().positive().optional(),
  /** `--dtype`, e.g. bfloat16 on GPU, float32/bfloat16 on CPU. */
  dtype: z.string().optional(),
  /** `--quantization`, only with a checkpoint in that format (e.g. awq with an AWQ repo). */
  quantization: z.string().optional(),
});
export type VllmOptions = z.infer<typeof VllmOptionsSchema>;

/** Environment variable names as POSIX shells accept them (no spaces, `=` or newlines). */
export const EnvKeySchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name: letters, digits and "_", not starting with a digit');

/**
 * A model reference: a catalog form (`phi-4-mini-instruct/onnx-cpu-int4`), a Hugging Face repo
 * (`microsoft/Phi-4-mini-instruct`) or an Ollama tag (`phi4-mini:3.8b-q8_0`). Every segment starts
 * with a letter or digit, so none is `.` or `..`.
 */
export const ModelRefSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:+@-]*(\/[A-Za-z0-9][A-Za-z0-9._:+@-]*)*$/, 'a model id such as phi-4-mini-instruct/onnx-cpu-int4, an org/repo or an Ollama tag');

/** Where to publish: an IP literal (127.0.0.1, 0.0.0.0, ::1, a LAN address) or `localhost`; never a name to look up. */
export const BindHostSchema = z.union([z.literal('localhost'), z.ipv4(), z.ipv6()], {
  error: 'an IP address such as 127.0.0.1 (or 0.0.0.0 for every interface), or localhost',
});

/** Below these a limit is a typo (0.001 GiB rounds to 0 bytes, which Docker reads as "no limit"). */
export const MIN_MEMORY_LIMIT_GB = 0.25;
export const MIN_CPUS = 0.1;

export const LlamaCppOptionsSchema = z.object({
  /** `--cache-type-k/--cache-type-v`: f16 (llama.cpp's default) or q8_0, which halves the KV cache. */
  kvCacheType: z.enum(['f16', 'q8_0']).default('f16'),
  /** `-ngl`: layers offloaded to the GPU when one is given; default all of them. */
  gpuLayers: z.number().int().min(0).max(999).optional(),
});
export type LlamaCppOptions = z.infer<typeof LlamaCppOptionsSchema>;

export const DeploymentConfigSchema = z.object({
  backend: BackendSchema,
  /** Model form id from resources/catalog/models.json, e.g. `phi-4-mini-instruct/ollama-q4_K_M`. */
  model: ModelRefSchema,
  /** Host port the server is published on (bound to bindHost only). */
  hostPort: z.number().int().min(1).max(65535),
  /** Host interface to publish on; 127.0.0.1 keeps the server private to this machine. */
  bindHost: BindHostSchema,
  /** Maximum context in tokens (vLLM --max-model-len, Ollama num_ctx, engine max length). */
  contextLength: z.number().int().min(256).max(10_485_760),
  /** Concurrent sequences (vLLM --max-num-seqs, OLLAMA_NUM_PARALLEL, engine queue width). */
  parallel: z.number().int().min(1).max(256),
  /** GPU indices as nvidia-smi numbers them ('0', '1'), for Docker DeviceIDs or CDI `nvidia.com/gpu=N`; empty = CPU only. */
  gpus: z.array(z.string()),
  /** Container memory limit in GiB (Docker's `g` suffix, 1024^3 bytes); null = no limit. */
  memoryLimitGb: z.number().min(MIN_MEMORY_LIMIT_GB, `at least ${MIN_MEMORY_LIMIT_GB} GiB (null for no limit)`).nullable(),
  /** Container CPU limit (fractional cores); null = no limit. */
  cpus: z.number().min(MIN_CPUS, `at least ${MIN_CPUS} CPU (null for no limit)`).nullable(),
  /** Extra environment for the server, e.g. OLLAMA_FLASH_ATTENTION=1. */
  env: z.record(EnvKeySchema, z.string().refine((v) => !v.includes('\0'), 'no NUL bytes')),
  /** Also start Open WebUI (Ollama only, host port 3000 -> 8080). */
  openWebUi: z.boolean(),
  /** vLLM-specific flags; ignored by other backends. */
  vllm: VllmOptionsSchema.optional(),
  /** llama.cpp-specific flags; ignored by other backends. */
  llamaCpp: LlamaCppOptionsSchema.optional(),
});
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;
