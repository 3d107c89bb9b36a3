import { z } from 'zod';
import { BenchFamilySchema } from './bench';
import { ChatProtocolSchema } from './chat';
import { BackendSchema, DeploymentConfigSchema } from './deploy-config';
import { method } from './define';

/**
 * What the renderer and scripts may know about a backend: the serialisable half of its
 * definition (electron/core/backends/<id>.ts). The Deploy page's cards and form fields, the
 * labels in tables and the CLI's help all come from here rather than from their own copies.
 */

/** Deploy-form fields beyond the common ones (model, ports, context, parallel, limits, env). */
export const BackendOptionSchema = z.enum(['toolCalling', 'gpuMemoryUtilization', 'openWebUi', 'modelPath', 'kvCacheType']);
export type BackendOption = z.infer<typeof BackendOptionSchema>;

export const BackendImageSchema = z.object({
  /** Which hardware the image is built for. */
  accelerator: z.enum(['cpu', 'nvidia']),
  /** Upstream reference, before the registry mirror rewrites it. */
  image: z.string(),
  /** Unpacked size, rounded up, for the disk check before a pull (0 = unknown). */
  bytes: z.number().nonnegative(),
});
export type BackendImage = z.infer<typeof BackendImageSchema>;

export const BackendInfoSchema = z.object({
  id: BackendSchema,
  label: z.string(),
  /** One line for the backend's card. */
  description: z.string(),
  /** `docker`: deployed as containers; `app`: runs inside SLM Deck. */
  runsIn: z.enum(['docker', 'app']),
  images: z.array(BackendImageSchema),
  /** Port the server listens on inside its container (or the embedded engine's default). */
  containerPort: z.number().int().positive(),
  defaultHostPort: z.number().int().positive(),
  /** How chats talk to it. */
  chatProtocol: ChatProtocolSchema,
  /** Path that answers 200 once the server can take requests. */
  healthPath: z.string(),
  /** Prometheus endpoint, or null when the server has none (Ollama: /api/ps is read instead). */
  metricsPath: z.string().nullable(),
  /** Which documented facts the benchmark shows next to its numbers. */
  benchFamily: BenchFamilySchema,
  /** `required`: needs an NVIDIA GPU; `optional`: uses one when given; `none`: CPU only. */
  gpu: z.enum(['required', 'optional', 'none']),
  options: z.array(BackendOptionSchema),
  /** The seed's settings for a deployment when no plan is at hand; null for in-app backends. */
  defaults: DeploymentConfigSchema.nullable(),
});
export type BackendInfo = z.infer<typeof BackendInfoSchema>;

export const backendsMethods = {
  'backends.list': method(z.object({}).strict(), z.array(BackendInfoSchema), 'Every backend SLM Deck can run, with its images, ports, protocol and deploy defaults.'),
};
