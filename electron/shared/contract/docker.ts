import { z } from 'zod';
import { event, method } from './define';
import { BackendSchema, BindHostSchema, DeploymentConfigSchema } from './deploy-config';

/* ---------------------------------------------------------------- connection */

export const DockerStateSchema = z.enum([
  'reachable',
  'not-installed',
  'not-running',
  'permission-denied',
  'api-too-old',
  'error',
]);
export type DockerState = z.infer<typeof DockerStateSchema>;

/** Where the endpoint came from, so the UI can say "Docker Desktop" or "rootless Docker". */
export const EndpointSourceSchema = z.enum([
  'settings',
  'env',
  'context',
  'docker-desktop',
  'system',
  'rootless',
  'podman',
  'podman-rootless',
  'windows',
]);

export const DockerGpuSchema = z.object({
  /** True when containers can be given NVIDIA GPUs (nvidia runtime registered or CDI devices). */
  available: z.boolean(),
  nvidiaRuntime: z.boolean(),
  cdiDevices: z.array(z.string()),
  defaultRuntime: z.string().optional(),
});

export const DockerStatusSchema = z.object({
  state: DockerStateSchema,
  /** e.g. unix:///var/run/docker.sock, tcp://10.0.0.5:2375, ssh://me@gpu-box */
  endpoint: z.string(),
  source: EndpointSourceSchema,
  /** One sentence for people: "Docker 27.3.1 is running (Docker Desktop)". */
  message: z.string(),
  /** What to do about it when state is not reachable. */
  hint: z.string().optional(),
  checkedAt: z.number(),
  engine: z.enum(['docker', 'podman']).optional(),
  version: z.string().optional(),
  apiVersion: z.string().optional(),
  /** OSType of the daemon (linux/windows) and its architecture (x86_64, aarch64). */
  os: z.string().optional(),
  arch: z.string().optional(),
  operatingSystem: z.string().optional(),
  /** DockerRootDir on the daemon's machine (image and volume storage). */
  dataRoot: z.string().optional(),
  cgroupVersion: z.string().optional(),
  cpus: z.number().optional(),
  memoryBytes: z.number().optional(),
  gpu: DockerGpuSchema,
  /** tcp:// or ssh://: host paths (bind mounts, disk checks) refer to another machine. */
  remote: z.boolean(),
});
export type DockerStatus = z.infer<typeof DockerStatusSchema>;

/* ---------------------------------------------------------------- specs */

export const DeploymentNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, 'lowercase letters, digits, ".", "_" or "-" (at most 40), starting with a letter or digit');

const PortSchema = z.number().int().min(1).max(65535);

/** What `docker.deploy` takes: a deployment config plus how to run it. */
export const DeployInputSchema = DeploymentConfigSchema.extend({
  /** Deployment name; containers are called `slm-deck-<name>`. Default: the backend. */
  name: DeploymentNameSchema.optional(),
  /** Open WebUI host port (Ollama with openWebUi). Default 3000. */
  webUiPort: PortSchema.optional(),
  /** onnx-engine: the model folder on the Docker host, mounted read-only. */
  modelPath: z.string().min(1).optional(),
  /** Remove an existing deployment of the same name first. */
  replace: z.boolean().optional(),
  /** Create the containers but do not start them (e.g. to inspect a GPU config on a machine without a GPU). */
  createOnly: z.boolean().optional(),
  /** Deploy even when the GPU check or the planner says it will not work. */
  force: z.boolean().optional(),
  /** How long to wait for the healthcheck to pass. Default per backend (vLLM downloads the model first). */
  healthTimeoutSec: z.number().int().min(5).max(7200).optional(),
}).strict();
export type DeployInput = z.input<typeof DeployInputSchema>;
export type DeployRequest = z.output<typeof DeployInputSchema>;

const MountSchema = z.object({
  Type: z.enum(['volume', 'bind']),
  Source: z.string(),
  Target: z.string(),
  ReadOnly: z.boolean().optional(),
});

const DeviceRequestSchema = z.object({
  Driver: z.string(),
  Count: z.number().optional(),
  DeviceIDs: z.array(z.string()).optional(),
  Capabilities: z.array(z.array(z.string())),
});

export const HealthConfigSchema = z.object({
  Test: z.array(z.string()),
  /** nanoseconds, as the Docker API wants them */
  Interval: z.number(),
  Timeout: z.number(),
  StartPeriod: z.number(),
  /** Honoured by Docker Engine 25+ (API 1.44); older daemons ignore it. */
  StartInterval: z.number().optional(),
  Retries: z.number(),
});

/** The subset of Docker's ContainerCreateOptions the spec builders produce. */
export const CreateOptionsSchema = z.object({
  name: z.string(),
  Image: z.string(),
  Cmd: z.array(z.string()).optional(),
  Env: z.array(z.string()),
  Labels: z.record(z.string(), z.string()),
  ExposedPorts: z.record(z.string(), z.object({})),
  Healthcheck: HealthConfigSchema,
  HostConfig: z.object({
    PortBindings: z.record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() }))),
    Mounts: z.array(MountSchema),
    RestartPolicy: z.object({ Name: z.literal('unless-stopped') }),
    Memory: z.number().optional(),
    NanoCpus: z.number().optional(),
    ShmSize: z.number().optional(),
    DeviceRequests: z.array(DeviceRequestSchema).optional(),
    CapAdd: z.array(z.string()).optional(),
    SecurityOpt: z.array(z.string()).optional(),
    NetworkMode: z.string().optional(),
  }),
});
export type CreateOptions = z.infer<typeof CreateOptionsSchema>;

export const ContainerRoleSchema = z.enum(['server', 'webui']);

export const ContainerSpecSchema = z.object({
  role: ContainerRoleSchema,
  name: z.string(),
  image: z.string(),
  containerPort: z.number(),
  hostPort: z.number(),
  create: CreateOptionsSchema,
});
export type ContainerSpec = z.infer<typeof ContainerSpecSchema>;

export const EndpointSchema = z.object({
  /** Base URL of the server on the host, e.g. http://127.0.0.1:8000 */
  url: z.string(),
  api: z.enum(['openai', 'ollama']),
  /** The model name requests must use. */
  model: z.string(),
  /** A ready-to-paste request. */
  curl: z.string(),
  webUiUrl: z.string().optional(),
  /**
   * The server needs `Authorization: Bearer <key>` (an engine published beyond loopback): the
   * host file holding the key. The core reads the key itself; it never reaches the renderer.
   */
  apiKeyFile: z.string().optional(),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const DeploymentSpecSchema = z.object({
  name: z.string(),
  backend: BackendSchema,
  containers: z.array(ContainerSpecSchema),
  volumes: z.array(z.object({ name: z.string(), labels: z.record(z.string(), z.string()) })),
  network: z.object({ name: z.string(), labels: z.record(z.string(), z.string()) }).nullable(),
  endpoint: EndpointSchema,
  /** Seconds the healthcheck may take before the deployment counts as failed. */
  healthTimeoutSec: z.number(),
  warnings: z.array(z.string()),
});
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;

/** `kube`: Kubernetes manifests (multi-document YAML) for the same deployment. */
export const PreviewSchema = z.object({ spec: DeploymentSpecSchema, compose: z.string(), kube: z.string() });

/* ---------------------------------------------------------------- deployments */

export const HealthSchema = z.enum(['none', 'starting', 'healthy', 'unhealthy']);

export const PortBindingSchema = z.object({ hostIp: z.string(), hostPort: z.number(), containerPort: z.number() });

export const ContainerInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: ContainerRoleSchema,
  image: z.string(),
  /** Docker's state: created, running, paused, restarting, removing, exited, dead */
  state: z.string(),
  health: HealthSchema,
  startedAt: z.number().nullable(),
  exitCode: z.number().nullable(),
  ports: z.array(PortBindingSchema),
  gpuRequested: z.boolean(),
});
export type ContainerInfo = z.infer<typeof ContainerInfoSchema>;

export const GpuCheckSchema = z.object({
  state: z.enum(['gpu', 'cpu', 'unknown']),
  /** What the verdict rests on: nvidia-smi output, or the engine's start-up line. */
  evidence: z.string(),
});
export type GpuCheck = z.infer<typeof GpuCheckSchema>;

export const DeploymentStateSchema = z.enum(['running', 'starting', 'unhealthy', 'stopped', 'created', 'restarting', 'partial']);

export const DeploymentSchema = z.object({
  name: z.string(),
  backend: BackendSchema,
  model: z.string(),
  state: DeploymentStateSchema,
  health: HealthSchema,
  containers: z.array(ContainerInfoSchema),
  endpoint: EndpointSchema.nullable(),
  /** The request it was deployed with (from its labels), null if unreadable. */
  request: DeployInputSchema.nullable(),
  createdAt: z.number(),
  uptimeSeconds: z.number().nullable(),
  gpu: GpuCheckSchema.nullable(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** A deploy's stages, in order (the Deploy page's stage list; `npm run bench` times them). */
export const DEPLOY_STAGES = ['checks', 'image', 'start', 'model', 'load', 'first-token'] as const;
export const DeployStageSchema = z.enum(DEPLOY_STAGES);

/** What the deploy's readiness check saw: the model listed by the server and a one-token chat answered. */
export const ReadinessSchema = z.object({
  /** Wall time of each stage this deploy went through, in order. */
  stages: z.array(z.object({ stage: DeployStageSchema, ms: z.number() })),
  modelListed: z.boolean(),
  /** Ollama: the model was pulled into the deployment during this deploy. */
  pulled: z.boolean(),
  /** Bytes an interrupted earlier pull had left in the deployment's volume (a resumed download). */
  resumedFromBytes: z.number(),
  /** Time of the one-token chat, model loaded. */
  firstTokenMs: z.number(),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

/** `ready` is null when the deploy only created the containers. */
export const DeployResultSchema = z.object({ deployment: DeploymentSchema, gpuCheck: GpuCheckSchema.nullable(), ready: ReadinessSchema.nullable() });
export type DeployResult = z.infer<typeof DeployResultSchema>;

export const PortCheckSchema = z.object({
  host: z.string(),
  port: z.number(),
  free: z.boolean(),
  /** Who holds it, when that can be found. */
  /** `command` is the process name (as `ps -o comm` shows it), never its command line. */
  holder: z.object({ pid: z.number().optional(), command: z.string().optional(), container: z.string().optional() }).nullable(),
  /** The next free port, when this one is taken. */
  suggestion: z.number().nullable(),
  message: z.string(),
});
export type PortCheck = z.infer<typeof PortCheckSchema>;

/* ---------------------------------------------------------------- logs and stats */

export const LogLineSchema = z.object({
  stream: z.enum(['stdout', 'stderr']),
  /** RFC 3339 timestamp from Docker, '' when unknown */
  time: z.string(),
  text: z.string(),
  container: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const StatsSampleSchema = z.object({
  container: z.string(),
  time: z.number(),
  /** 100 = one full core, as `docker stats` shows it */
  cpuPercent: z.number(),
  onlineCpus: z.number(),
  /** Usage without the page cache (cgroup v1 total_inactive_file / v2 inactive_file subtracted) */
  memoryBytes: z.number(),
  memoryLimitBytes: z.number(),
  memoryPercent: z.number(),
  netRxBytes: z.number(),
  netTxBytes: z.number(),
  blockReadBytes: z.number(),
  blockWriteBytes: z.number(),
  pids: z.number(),
});
export type StatsSample = z.infer<typeof StatsSampleSchema>;

const NameRef = z.object({ name: DeploymentNameSchema }).strict();
const WatchRef = z.object({ watchId: z.string() });

export const dockerMethods = {
  'docker.status': method(
    z.object({ refresh: z.boolean().optional() }).strict(),
    DockerStatusSchema,
    'Docker engine status: reachable or why not, version, OS/arch, GPU passthrough.',
  ),
  'docker.preview': method(
    DeployInputSchema,
    PreviewSchema,
    'The exact container create options, docker-compose.yml and Kubernetes manifests for a deployment, without touching Docker.',
  ),
  'docker.compose': method(NameRef, z.object({ yaml: z.string() }), 'docker-compose.yml for an existing deployment.'),
  'docker.kube': method(NameRef, z.object({ yaml: z.string() }), 'Kubernetes manifests (Deployments, Services, claims) for an existing deployment.'),
  'docker.checkPort': method(
    z.object({ port: PortSchema, host: BindHostSchema.optional() }).strict(),
    PortCheckSchema,
    'Is a host port free? If not, who holds it and which port is free next.',
  ),
  'docker.deploy': method(
    DeployInputSchema,
    z.object({ taskId: z.string() }),
    'Pull, create, start and wait until healthy (task; result: DeployResult).',
    { task: true },
  ),
  'docker.pull': method(
    z.object({ image: z.string().min(1).max(300), mirror: z.boolean().optional() }).strict(),
    z.object({ taskId: z.string() }),
    'Pull an image through the registry mirror, with progress (task).',
    { task: true },
  ),
  'docker.list': method(z.object({}).strict(), z.array(DeploymentSchema), 'Deployments managed by SLM Deck.'),
  'docker.start': method(NameRef, DeploymentSchema, 'Start a stopped deployment.'),
  'docker.stop': method(NameRef, DeploymentSchema, 'Stop a deployment (containers are kept).'),
  'docker.restart': method(NameRef, DeploymentSchema, 'Restart a deployment.'),
  'docker.remove': method(
    z.object({ name: DeploymentNameSchema, removeVolumes: z.boolean().optional() }).strict(),
    z.object({
      containers: z.array(z.string()),
      volumesRemoved: z.array(z.string()),
      volumesKept: z.array(z.string()),
      /** Of the kept volumes, those kept although asked to delete them because another container uses them. */
      volumesInUse: z.array(z.string()).optional(),
    }),
    'Remove a deployment; its volumes (models) are kept unless removeVolumes is set.',
  ),
  'docker.checkGpu': method(NameRef, GpuCheckSchema, 'Does the running deployment really use the GPU?'),
  'docker.logs': method(
    z
      .object({
        name: DeploymentNameSchema,
        role: ContainerRoleSchema.optional(),
        tail: z.number().int().min(1).max(10_000).optional(),
        search: z.string().max(200).optional(),
      })
      .strict(),
    z.object({ lines: z.array(LogLineSchema) }),
    'The last log lines of a deployment (stdout and stderr), optionally only those containing a text.',
  ),
  'docker.followLogs': method(
    z
      .object({ name: DeploymentNameSchema, role: ContainerRoleSchema.optional(), tail: z.number().int().min(0).max(5_000).optional() })
      .strict(),
    WatchRef,
    'Stream log lines as docker.logLines events until docker.unwatch or the caller goes away.',
  ),
  'docker.stats': method(NameRef, z.array(StatsSampleSchema), 'One CPU/memory/network sample per container of a deployment.'),
  'docker.watchStats': method(NameRef, WatchRef, 'Stream docker.stats events (about 1/s per container) until docker.unwatch.'),
  'docker.unwatch': method(WatchRef.strict(), z.object({ stopped: z.boolean() }), 'Stop a log or stats stream.'),
};

export const dockerEvents = {
  'docker.status': event(DockerStatusSchema, 'The Docker engine status changed (e.g. the daemon came back).'),
  'docker.changed': event(
    z.object({ name: z.string().nullable(), action: z.string() }),
    'A managed container was created, started, stopped, removed or changed health.',
  ),
  'docker.logLines': event(
    z.object({ watchId: z.string(), name: z.string(), lines: z.array(LogLineSchema) }),
    'New log lines of a followed deployment, batched about every 50 ms.',
  ),
  'docker.stats': event(
    z.object({ watchId: z.string(), name: z.string(), sample: StatsSampleSchema }),
    'A stats sample of a watched deployment.',
  ),
  'docker.watchEnded': event(
    z.object({ watchId: z.string(), reason: z.string() }),
    'A log or stats stream ended (container gone, daemon stopped, or unwatched).',
  ),
};
