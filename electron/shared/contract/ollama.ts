import { z } from 'zod';
import { event, method } from './define';

/**
 * Ollama models (`ollama.*`) and Modelfile variants (`variants.*`). Every Ollama call takes
 * an optional `url` that overrides settings.ollamaUrl for that call (CLI `--ollama URL`).
 */

const url = z.string().url('an http:// URL such as http://127.0.0.1:11434').optional();
/** Ollama model names: [namespace/]model[:tag]; checked again by Ollama itself. */
export const ModelNameSchema = z
  .string()
  .min(1, 'a model name such as phi4-mini')
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/, 'a model name such as phi4-mini or phi4-mini:3.8b-q8_0');
/** A variant is created in Ollama under its own name, so the same rules apply (no tag). */
export const VariantNameSchema = z
  .string()
  .min(1, 'a name such as phi4-mini-stepwise')
  .max(63)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "-" and "_", e.g. phi4-mini-stepwise');

const ErrorInfoSchema = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() });

export const OllamaStatusSchema = z.object({
  url: z.string(),
  reachable: z.boolean(),
  version: z.string().optional(),
  /** Why it is not reachable, with a hint. */
  error: ErrorInfoSchema.optional(),
});

export const InstalledModelSchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  digest: z.string(),
  modifiedAt: z.string(),
  format: z.string(),
  family: z.string(),
  parameterSize: z.string(),
  quantization: z.string(),
  /** Also a saved variant of SLM Deck. */
  variant: z.boolean(),
});
export type InstalledModel = z.infer<typeof InstalledModelSchema>;

const ParamValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const ModelDetailsSchema = z.object({
  name: z.string(),
  format: z.string(),
  family: z.string(),
  parameterSize: z.string(),
  quantization: z.string(),
  /** Parameters set in the model, typed. */
  parameters: z.record(z.string(), ParamValueSchema),
  template: z.string(),
  system: z.string(),
  license: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  capabilities: z.array(z.string()),
  /** From model_info `<architecture>.context_length`. */
  contextLength: z.number().nullable(),
  parameterCount: z.number().nullable(),
  architecture: z.string().nullable(),
  modelfile: z.string(),
  modifiedAt: z.string().optional(),
});
export type ModelDetails = z.infer<typeof ModelDetailsSchema>;

export const LoadedModelSchema = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  vramBytes: z.number(),
  ramBytes: z.number(),
  expiresAt: z.string(),
  contextLength: z.number().nullable(),
});
export type LoadedModel = z.infer<typeof LoadedModelSchema>;

export const FitSchema = z.object({
  verdict: z.enum(['fits', 'tight', 'wont-fit', 'unknown']),
  reason: z.string(),
});

export const SuggestionSchema = z.object({
  model: z.string(),
  title: z.string(),
  quantization: z.string(),
  sizeBytes: z.number(),
  note: z.string(),
  recommended: z.boolean(),
  installed: z.boolean(),
  fit: FitSchema.optional(),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

export const PullResultSchema = z.object({
  model: z.string(),
  bytesTotal: z.number(),
  /** Bytes already on disk from an earlier, interrupted pull. */
  resumedFromBytes: z.number(),
  steps: z.array(z.string()),
});

export const DiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  line: z.number(),
  column: z.number(),
  offset: z.number(),
  length: z.number(),
  param: z.string().optional(),
  field: z.enum(['from', 'system', 'template', 'stop']).optional(),
});

export const ModelfileTemplateSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  text: z.string(),
});

export const VariantVersionSchema = z.object({
  version: z.number().int().positive(),
  savedAt: z.string(),
  note: z.string().optional(),
  from: z.string().optional(),
});

export const VariantSummarySchema = z.object({
  name: z.string(),
  latestVersion: z.number(),
  versions: z.array(VariantVersionSchema),
  from: z.string().optional(),
  /** The version last created in Ollama from SLM Deck, if any. */
  created: z.object({ version: z.number(), at: z.string(), url: z.string() }).optional(),
  dir: z.string(),
});
export type VariantSummary = z.infer<typeof VariantSummarySchema>;

export const VariantDetailSchema = VariantSummarySchema.extend({
  version: z.number(),
  text: z.string(),
  diagnostics: z.array(DiagnosticSchema),
});

export const ParamDiffRowSchema = z.object({
  key: z.string(),
  left: z.string().optional(),
  right: z.string().optional(),
  /** Ollama's default when the left side does not set the parameter. */
  leftDefault: z.string().optional(),
  status: z.enum(['same', 'changed', 'added', 'removed', 'inherited']),
});

export const VariantDiffSchema = z.object({
  leftLabel: z.string(),
  rightLabel: z.string(),
  parameters: z.array(ParamDiffRowSchema),
  fields: z.array(
    z.object({
      field: z.enum(['from', 'system', 'template', 'messages', 'license', 'adapters']),
      left: z.string().optional(),
      right: z.string().optional(),
      changed: z.boolean(),
    }),
  ),
  /** Line diff of the two Modelfiles (empty against a base model). */
  lines: z.array(z.object({ op: z.enum(['same', 'add', 'remove']), text: z.string() })),
});
export type VariantDiff = z.infer<typeof VariantDiffSchema>;

export const VariantBundleSchema = z.object({
  format: z.literal('slm-deck.variant'),
  formatVersion: z.literal(1),
  name: VariantNameSchema,
  exportedAt: z.string(),
  versions: z
    .array(z.object({ version: z.number().int().positive(), savedAt: z.string(), note: z.string().optional(), modelfile: z.string().max(1_000_000) }))
    .min(1),
});
export type VariantBundle = z.infer<typeof VariantBundleSchema>;

const none = z.object({}).strict();
const withUrl = z.object({ url }).strict();
const task = z.object({ taskId: z.string() });

export const ollamaMethods = {
  'ollama.status': method(withUrl, OllamaStatusSchema, 'Is Ollama answering at the configured (or given) URL, and which version.'),
  'ollama.list': method(withUrl, z.array(InstalledModelSchema), 'Installed models (GET /api/tags).'),
  'ollama.show': method(z.object({ model: ModelNameSchema, url }).strict(), ModelDetailsSchema, 'Parameters, template, system prompt, capabilities and context length of a model.'),
  'ollama.delete': method(z.object({ model: ModelNameSchema, url }).strict(), z.object({ deleted: z.string() }), 'Delete an installed model.'),
  'ollama.copy': method(
    z.object({ source: ModelNameSchema, destination: ModelNameSchema, url }).strict(),
    z.object({ created: z.string() }),
    'Copy a model under another name.',
  ),
  'ollama.pull': method(z.object({ model: ModelNameSchema, url }).strict(), task, 'Pull a model as a cancellable task; a cancelled pull resumes where it stopped.', {
    task: true,
  }),
  'ollama.ps': method(withUrl, z.array(LoadedModelSchema), 'Models loaded in memory, with VRAM/RAM split and expiry.'),
  'ollama.unload': method(z.object({ model: ModelNameSchema, url }).strict(), z.object({ unloaded: z.string() }), 'Unload a model from memory (keep_alive 0).'),
  'ollama.suggestions': method(withUrl, z.array(SuggestionSchema), 'Suggested pulls (Phi-4-mini quantisations) with sizes and fit verdicts.'),

  'variants.templates': method(none, z.array(ModelfileTemplateSchema), 'Built-in Modelfile templates (reasoning, coder, tutor).'),
  'variants.validate': method(
    z.object({ text: z.string().max(1_000_000) }).strict(),
    z.object({ diagnostics: z.array(DiagnosticSchema), request: z.record(z.string(), z.unknown()).nullable() }),
    'Check a Modelfile; returns every mistake with line and column, and the create request it maps to.',
  ),
  'variants.list': method(none, z.array(VariantSummarySchema), 'Saved variants with their versions.'),
  'variants.get': method(z.object({ name: VariantNameSchema, version: z.number().int().positive().optional() }).strict(), VariantDetailSchema, 'One version of a variant (the latest by default).'),
  'variants.save': method(
    z.object({ name: VariantNameSchema, text: z.string().max(1_000_000), note: z.string().max(500).optional() }).strict(),
    z.object({ name: z.string(), version: z.number(), unchanged: z.boolean() }),
    'Save a Modelfile as the next version of a variant (refused with its mistakes if it has errors).',
  ),
  'variants.delete': method(z.object({ name: VariantNameSchema }).strict(), z.object({ deleted: z.string() }), 'Delete a saved variant (the Ollama model is kept).'),
  'variants.create': method(
    z.object({ name: VariantNameSchema, version: z.number().int().positive().optional(), quantize: z.enum(['q4_K_M', 'q4_K_S', 'q8_0']).optional(), url }).strict(),
    task,
    'Create (or update) the variant in Ollama from a saved version, as a task.',
    { task: true },
  ),
  'variants.export': method(z.object({ name: VariantNameSchema }).strict(), z.object({ fileName: z.string(), bundle: z.string() }), 'Export a variant with all its versions as a JSON bundle.'),
  'variants.import': method(
    z.object({ bundle: z.string().max(5_000_000), name: VariantNameSchema.optional() }).strict(),
    VariantSummarySchema,
    'Import a bundle (or a plain Modelfile, with a name) as a new variant.',
  ),
  'variants.diffVersions': method(
    z.object({ name: VariantNameSchema, from: z.number().int().positive(), to: z.number().int().positive() }).strict(),
    VariantDiffSchema,
    'Compare two versions of a variant.',
  ),
  'variants.diffBase': method(
    z.object({ name: VariantNameSchema, version: z.number().int().positive().optional(), url }).strict(),
    VariantDiffSchema,
    "Compare a variant with its base model's parameters, system prompt and template.",
  ),
};

export const OllamaChangedSchema = z.object({
  url: z.string(),
  reason: z.enum(['pulled', 'deleted', 'copied', 'created', 'unloaded']),
  model: z.string(),
});

export const ollamaEvents = {
  'ollama.changed': event(OllamaChangedSchema, 'Installed or loaded models changed (refetch ollama.list / ollama.ps).'),
  'variants.changed': event(z.object({ name: z.string() }), 'A saved variant changed (refetch variants.list).'),
};
