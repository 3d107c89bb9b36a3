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
  model: z.string().min(1),
  /** Host port the server is published on (bound to bindHost only). */
  hostPort: z.number().int().min(1).max(65535),
  /** Host interface to publish on; 127.0.0.1 keeps the server private to this machine. */
  bindHost: z.string().min(1),
  /** Maximum context in tokens (vLLM --max-model-len, Ollama num_ctx, engine max length). */
  contextLength: z.number().int().min(256),
  /** Concurrent sequences (vLLM --max-num-seqs, OLLAMA_NUM_PARALLEL, engine queue width). */
  parallel: z.number().int().min(1).max(256),
  /** GPU indices as nvidia-smi numbers them ('0', '1'), for Docker DeviceIDs or CDI `nvidia.com/gpu=N`; empty = CPU only. */
  gpus: z.array(z.string()),
  /** Container memory limit in GiB (Docker's `g` suffix, 1024^3 bytes); null = no limit. */
  memoryLimitGb: z.number().positive().nullable(),
  /** Container CPU limit (fractional cores); null = no limit. */
  cpus: z.number().positive().nullable(),
  /** Extra environment for the server, e.g. OLLAMA_FLASH_ATTENTION=1. */
  env: z.record(z.string(), z.string()),
  /** Also start Open WebUI (Ollama only, host port 3000 -> 8080). */
  openWebUi: z.boolean(),
  /** vLLM-specific flags; ignored by other backends. */
  vllm: VllmOptionsSchema.optional(),
  /** llama.cpp-specific flags; ignored by other backends. */
  llamaCpp: LlamaCppOptionsSchema.optional(),
});
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;
