import { z } from 'zod';

/**
 * Ollama's HTTP responses, validated where they enter SLM Deck. Fields Ollama marks
 * omitempty are optional; unknown fields are dropped.
 */

const DetailsSchema = z
  .object({
    parent_model: z.string().optional(),
    format: z.string().optional(),
    family: z.string().optional(),
    families: z.array(z.string()).nullable().optional(),
    parameter_size: z.string().optional(),
    quantization_level: z.string().optional(),
  })
  .optional();

export const VersionSchema = z.object({ version: z.string() });

export const TagsSchema = z.object({
  models: z
    .array(
      z.object({
        name: z.string(),
        model: z.string().optional(),
        modified_at: z.string(),
        size: z.number(),
        digest: z.string(),
        details: DetailsSchema,
      }),
    )
    .nullable()
    .transform((m) => m ?? []),
});
export type Tags = z.infer<typeof TagsSchema>;

export const ShowSchema = z.object({
  license: z.string().optional(),
  modelfile: z.string().optional(),
  parameters: z.string().optional(),
  template: z.string().optional(),
  system: z.string().optional(),
  details: DetailsSchema,
  messages: z.array(z.object({ role: z.string(), content: z.string() })).nullable().optional(),
  model_info: z.record(z.string(), z.unknown()).nullable().optional(),
  capabilities: z.array(z.string()).nullable().optional(),
  modified_at: z.string().optional(),
});
export type Show = z.infer<typeof ShowSchema>;

export const PsSchema = z.object({
  models: z
    .array(
      z.object({
        name: z.string(),
        model: z.string().optional(),
        size: z.number(),
        size_vram: z.number().optional(),
        digest: z.string().optional(),
        details: DetailsSchema,
        expires_at: z.string(),
        context_length: z.number().optional(),
      }),
    )
    .nullable()
    .transform((m) => m ?? []),
});
export type Ps = z.infer<typeof PsSchema>;

/** One NDJSON line of /api/pull or /api/create (api.ProgressResponse), or an error line. */
export const ProgressSchema = z.object({
  status: z.string().optional(),
  digest: z.string().optional(),
  total: z.number().optional(),
  completed: z.number().optional(),
  error: z.string().optional(),
});
export type Progress = z.infer<typeof ProgressSchema>;

export const ErrorBodySchema = z.object({ error: z.string() });
