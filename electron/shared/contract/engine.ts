import { z } from 'zod';
import { ERROR_CODES } from '../errors';
import { TaskRefSchema } from './app';
import { event, method } from './define';

/**
 * The embedded ONNX engine (a process the app starts, no Docker), the engine's model store
 * (<home>/models/<model id>/, downloaded from Hugging Face) and the onnx-engine image build.
 */

const none = z.object({}).strict();
const ErrorSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string(), hint: z.string().optional() });

/** The demo model's id: the tiny generated model shipped in resources/models/. */
export const DEMO_MODEL_ID = 'slm-deck-tiny-demo';
export const DEMO_MODEL_LABEL = 'Demo model (tiny, offline)';
/** The model the store downloads by default: Phi-4-mini-instruct's CPU int4 ONNX build. */
export const DEFAULT_DOWNLOAD_MODEL = 'phi-4-mini-instruct/onnx-cpu-int4';

/** A model id: the demo id, or a catalog reference `<model>/<form>` (folder names, no dots or slashes at the ends). */
export const EngineModelIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/i, 'a model id such as slm-deck-tiny-demo or phi-4-mini-instruct/onnx-cpu-int4')
  .refine((s) => !s.split('/').some((p) => p === '.' || p === '..'), 'no . or .. segments');

export const LocalModelStateSchema = z.enum(['ready', 'partial', 'downloading']);

export const LocalModelSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** True only for the tiny generated model: a toy that always gives the same answer. */
  demo: z.boolean(),
  /** ready: complete and verified; partial: an interrupted download (resumable); downloading: a task is running. */
  state: LocalModelStateSchema,
  path: z.string(),
  /** Bytes on disk now (including .part files of a partial download). */
  sizeBytes: z.number(),
  /** Bytes when complete, when known. */
  totalBytes: z.number().nullable(),
  /** Where it came from: `hf:<repo>/<folder>`, or `bundled`. */
  source: z.string(),
  downloadedAt: z.number().nullable(),
});
export type LocalModel = z.infer<typeof LocalModelSchema>;

/** A model the store can download (from the catalog's ONNX forms). */
export const DownloadableModelSchema = z.object({
  id: z.string(),
  label: z.string(),
  repo: z.string(),
  folder: z.string(),
  device: z.string(),
  /** The catalog's estimate; the exact size is known once the file list is fetched. */
  approxBytes: z.number(),
  /** Already complete in the store. */
  installed: z.boolean(),
  /** Bytes of an interrupted download that a new download resumes from. */
  partialBytes: z.number(),
});

export const DownloadResultSchema = z.object({
  model: z.string(),
  path: z.string(),
  files: z.number(),
  bytesTotal: z.number(),
  /** Bytes that were already on disk (from an interrupted download) and not fetched again. */
  resumedFromBytes: z.number(),
});
export type DownloadResult = z.infer<typeof DownloadResultSchema>;

export const EmbeddedStateSchema = z.enum(['stopped', 'starting', 'running', 'restarting', 'stopping', 'failed']);
export type EmbeddedState = z.infer<typeof EmbeddedStateSchema>;

export const EmbeddedStatusSchema = z.object({
  state: EmbeddedStateSchema,
  /** The model it runs (or last ran / tried to run). */
  model: z.object({ id: z.string(), label: z.string(), demo: z.boolean() }).nullable(),
  /** http://127.0.0.1:<port> while running or restarting (the port is kept across restarts when free). */
  url: z.string().nullable(),
  port: z.number().nullable(),
  pid: z.number().nullable(),
  /** Restarts after crashes since the last start by the user. */
  restarts: z.number(),
  startedAt: z.number().nullable(),
  /** Set when failed: why, and what to do. */
  error: ErrorSchema.nullable(),
  /** The last unexpected exit, if any. */
  lastCrash: z.object({ code: z.number().nullable(), at: z.number() }).nullable(),
  /** How the engine process is hosted: a Node child process or an Electron utility process. */
  host: z.string(),
});
export type EmbeddedStatus = z.infer<typeof EmbeddedStatusSchema>;

export const EngineImageStatusSchema = z.object({
  image: z.string(),
  /** Default base image (through the registry mirror) used when a build names none. */
  defaultBaseImage: z.string(),
  dockerReachable: z.boolean(),
  built: z.boolean(),
  id: z.string().nullable(),
  createdAt: z.string().nullable(),
  sizeBytes: z.number().nullable(),
});

export const BuildImageResultSchema = z.object({
  image: z.string(),
  id: z.string(),
  baseImage: z.string(),
  contextBytes: z.number(),
});

export const engineMethods = {
  'engine.status': method(none, EmbeddedStatusSchema, 'State of the embedded engine: model, URL, restarts, last error.'),
  'engine.start': method(
    z
      .object({
        /** Model id from engine.models; default the last one started, else the demo model. */
        model: EngineModelIdSchema.optional(),
        /** Port on 127.0.0.1; default a free one. */
        port: z.number().int().min(1024).max(65535).optional(),
      })
      .strict(),
    EmbeddedStatusSchema,
    'Start the embedded engine (restarting it with another model if it runs); resolves once /health answers.',
  ),
  'engine.stop': method(none, EmbeddedStatusSchema, 'Stop the embedded engine.'),
  'engine.models': method(none, z.array(LocalModelSchema), 'Models the engine can run: the demo model and the store’s downloads.'),
  'engine.imageStatus': method(none, EngineImageStatusSchema, 'Whether the onnx-engine Docker image is built.'),
  'engine.buildImage': method(
    z
      .object({
        /** Base image with Node 20 (glibc); default node:20-bookworm-slim through the registry mirror. */
        baseImage: z.string().min(1).max(300).regex(/^[a-z0-9][a-z0-9._\-/:@]*$/i, 'an image reference such as node:20-bookworm-slim').optional(),
      })
      .strict(),
    TaskRefSchema,
    'Build the onnx-engine image from resources/engine/Dockerfile through the Docker API.',
    { task: true },
  ),
  'modelStore.list': method(none, z.array(LocalModelSchema), 'Downloaded (or partly downloaded) models with size and path.'),
  'modelStore.available': method(none, z.array(DownloadableModelSchema), 'Models the store can download from Hugging Face.'),
  'modelStore.download': method(
    z.object({ model: EngineModelIdSchema.default(DEFAULT_DOWNLOAD_MODEL) }).strict(),
    TaskRefSchema,
    'Download a model from Hugging Face (resumes an interrupted download; verifies sizes and checksums).',
    { task: true },
  ),
  'modelStore.delete': method(z.object({ model: EngineModelIdSchema }).strict(), z.object({ deleted: z.string(), freedBytes: z.number() }), 'Delete a downloaded model (or the parts of an interrupted download).'),
};

export const engineEvents = {
  'engine.status': event(EmbeddedStatusSchema, 'The embedded engine changed state (started, crashed, restarted, stopped).'),
  'modelStore.changed': event(z.object({ model: z.string() }), 'A model was downloaded, deleted or its download stopped.'),
};
