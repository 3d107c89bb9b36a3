import { Document } from 'yaml';
import type { ContainerSpec, DeploymentSpec } from '../../shared/contract/docker';
import { z } from 'zod';
import { exportHooks } from './export-hooks';
import { LABEL } from './labels';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const S = 1_000_000_000;

/** The variable that names the host model folder in an export (the ONNX engine's). */
export const MODEL_DIR_VARIABLE = 'SLM_DECK_MODEL_DIR';

/** Docker byte sizes as compose writes them (binary units: 1g = 1024^3). */
export function composeBytes(n: number): string {
  if (n % GIB === 0) return `${n / GIB}g`;
  if (n % MIB === 0) return `${n / MIB}m`;
  return `${n}b`;
}

export function composeDuration(ns: number): string {
  return ns % S === 0 ? `${ns / S}s` : `${ns / 1_000_000}ms`;
}

/** The engine the file is meant for (the connected daemon), when known; unknown means "any engine". */
export interface ComposeTarget {
  engine?: 'docker' | 'podman';
  version?: string;
}

/** `healthcheck.start_interval` arrived in Docker Engine 25; older engines refuse the whole file. */
export function supportsStartInterval(target: ComposeTarget | undefined): boolean {
  if (target?.engine !== 'docker' || !target.version) return false;
  return Number(/^(\d+)\./.exec(target.version)?.[1] ?? 0) >= 25;
}

/** A `${VAR}` reference for compose to fill in. Every other string in the file is literal. */
class Interpolation {
  constructor(readonly text: string) {}
}

function escapeDollars(s: string): string {
  return s.replaceAll('$', '$$$$');
}

/** `${NAME}`, or `${NAME:-fallback}` with a literal fallback. */
function variable(name: string, fallback?: string): Interpolation {
  return new Interpolation(fallback === undefined ? `\${${name}}` : `\${${name}:-${escapeDollars(fallback)}}`);
}

/** Compose interpolates every value, so literals get `$$`: `pa$word` reaches the container as `pa$word`. */
function literal(v: unknown): unknown {
  if (typeof v === 'string') return escapeDollars(v);
  if (v instanceof Interpolation) return v.text;
  if (Array.isArray(v)) return v.map(literal);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

function portString(hostIp: string, hostPort: string, containerPort: string): string {
  const ip = hostIp.includes(':') && !hostIp.startsWith('[') ? `[${hostIp}]` : hostIp;
  return `${ip ? `${ip}:` : ''}${hostPort}:${containerPort}`;
}

/** Environment as a map; a Hugging Face token becomes a `${HF_TOKEN}` reference so the file holds no secret. */
function environment(env: string[]): Record<string, string | Interpolation> {
  const out: Record<string, string | Interpolation> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    const v = i < 0 ? '' : e.slice(i + 1);
    out[k] = k === 'HF_TOKEN' || k === 'HUGGING_FACE_HUB_TOKEN' ? variable('HF_TOKEN') : v;
  }
  return out;
}

function service(c: ContainerSpec, spec: DeploymentSpec, target: ComposeTarget | undefined): Record<string, unknown> {
  const o = c.create;
  const h = o.HostConfig;
  const hooks = exportHooks(spec.backend);
  const svc: Record<string, unknown> = { image: o.Image, container_name: o.name };
  // Built by the app (see the header), so compose must not look for it in a registry.
  if (c.role === 'server' && hooks.buildCommand) svc.pull_policy = 'never';
  if (o.Cmd?.length) svc.command = o.Cmd;
  if (o.Env.length) svc.environment = environment(o.Env);
  svc.ports = Object.entries(h.PortBindings).flatMap(([key, binds]) =>
    binds.map((b) => portString(b.HostIp, b.HostPort, key.replace(/\/tcp$/, ''))),
  );
  if (h.Mounts.length) {
    svc.volumes = h.Mounts.map((m) => ({
      type: m.Type,
      // A host folder is named by a variable, so the file runs on a machine where it lives elsewhere.
      source: m.Type === 'bind' ? variable(MODEL_DIR_VARIABLE, m.Source) : m.Source,
      target: m.Target,
      ...(m.ReadOnly ? { read_only: true } : {}),
    }));
  }
  svc.labels = o.Labels;
  svc.restart = h.RestartPolicy.Name;
  const hc = o.Healthcheck;
  svc.healthcheck = {
    test: hc.Test,
    interval: composeDuration(hc.Interval),
    timeout: composeDuration(hc.Timeout),
    retries: hc.Retries,
    start_period: composeDuration(hc.StartPeriod),
    ...(hc.StartInterval && supportsStartInterval(target) ? { start_interval: composeDuration(hc.StartInterval) } : {}),
  };
  if (h.ShmSize !== undefined) svc.shm_size = composeBytes(h.ShmSize);
  if (h.CapAdd?.length) svc.cap_add = h.CapAdd;
  if (h.SecurityOpt?.length) svc.security_opt = h.SecurityOpt;
  if (h.NetworkMode) svc.networks = [h.NetworkMode];
  const limits: Record<string, string> = {};
  if (h.Memory !== undefined) limits.memory = composeBytes(h.Memory);
  if (h.NanoCpus !== undefined) limits.cpus = String(h.NanoCpus / 1e9);
  const devices = (h.DeviceRequests ?? []).map((d) => ({
    driver: d.Driver,
    ...(d.DeviceIDs?.length ? { device_ids: d.DeviceIDs } : { count: d.Count === -1 ? 'all' : (d.Count ?? 'all') }),
    capabilities: d.Capabilities.flat(),
  }));
  if (Object.keys(limits).length || devices.length) {
    svc.deploy = {
      resources: {
        ...(Object.keys(limits).length ? { limits } : {}),
        ...(devices.length ? { reservations: { devices } } : {}),
      },
    };
  }
  if (c.role === 'webui') {
    const server = spec.containers.find((x) => x.role === 'server');
    if (server) svc.depends_on = { [server.name]: { condition: 'service_healthy' } };
  }
  return svc;
}

/** The one-shot step after the server is healthy (Ollama: pull the model the endpoint names), or null. */
function afterHealthyService(spec: DeploymentSpec): [string, Record<string, unknown>] | null {
  const step = exportHooks(spec.backend).afterHealthy;
  const server = spec.containers.find((c) => c.role === 'server');
  if (!step || !server) return null;
  const name = `${server.name}-init`;
  return [
    name,
    {
      image: server.image,
      container_name: name,
      entrypoint: step.entrypoint,
      command: step.command(spec.endpoint.model),
      environment: step.env(server.name),
      ...(server.create.HostConfig.NetworkMode ? { networks: [server.create.HostConfig.NetworkMode] } : {}),
      depends_on: { [server.name]: { condition: 'service_healthy' } },
      restart: 'no',
    },
  ];
}

/** The compose project name the header suggests. */
export function composeProject(spec: DeploymentSpec): string {
  return `slm-deck-${spec.name}`;
}

/** The compose file as a plain object: the same containers, volumes and network the app creates. */
export function composeObject(spec: DeploymentSpec, target?: ComposeTarget): Record<string, unknown> {
  const services = spec.containers.map((c): [string, Record<string, unknown>] => [c.name, service(c, spec, target)]);
  const after = afterHealthyService(spec);
  if (after) services.push(after);
  // No top-level `name`: docker-compose 1.x (still Debian's) refuses it; the header passes `-p` instead.
  const doc: Record<string, unknown> = { services: Object.fromEntries(services) };
  if (spec.volumes.length) {
    // An explicit name keeps compose from prefixing the project, so the app and compose share the volumes.
    doc.volumes = Object.fromEntries(spec.volumes.map((v) => [v.name, { name: v.name, labels: v.labels }]));
  }
  if (spec.network) doc.networks = { [spec.network.name]: { name: spec.network.name, labels: spec.network.labels } };
  return literal(doc) as Record<string, unknown>;
}

/** The model as the request named it (the server's request label), which is what the download command takes. */
function requestedModel(server: ContainerSpec): string | null {
  try {
    const r = z.object({ model: z.string() }).safeParse(JSON.parse(server.create.Labels[LABEL.request] ?? 'null'));
    return r.success ? r.data.model : null;
  } catch {
    return null;
  }
}

/** docker-compose.yml text for a deployment, with a header saying how to use it. */
export function composeYaml(spec: DeploymentSpec, appVersion: string, target?: ComposeTarget): string {
  // YAML 1.1 quoting ("no", "on", "yes" as strings), as PyYAML-based docker-compose reads them.
  const doc = new Document(composeObject(spec, target), { version: '1.1' });
  const hooks = exportHooks(spec.backend);
  const server = spec.containers.find((c) => c.role === 'server');
  const lines = [` docker-compose.yml for the SLM Deck deployment "${spec.name}" (${spec.backend}), made by SLM Deck ${appVersion}.`];
  if (hooks.buildCommand && server) lines.push(` Build the image ${server.image} first: ${hooks.buildCommand}`);
  const folder = server?.create.HostConfig.Mounts.find((m) => m.Type === 'bind');
  if (server && folder) {
    lines.push(` The model folder is ${MODEL_DIR_VARIABLE} (default ${folder.Source});`);
    const model = requestedModel(server);
    lines.push(hooks.modelDownload && model ? `   download it with: ${hooks.modelDownload(model)}` : '   put the model there first.');
  }
  lines.push(` Start it with: docker compose -p ${composeProject(spec)} up -d`, ` Endpoint: ${spec.endpoint.url}`);
  if (hooks.afterHealthy) lines.push(` The "${server?.name}-init" service pulls ${spec.endpoint.model} once the server is healthy, then exits.`);
  if (spec.containers.some((c) => c.create.Env.some((e) => e.startsWith('HF_TOKEN=')))) {
    lines.push(' Set HF_TOKEN in the environment (or an .env file) for gated models.');
  }
  doc.commentBefore = lines.join('\n');
  return doc.toString({ lineWidth: 0 });
}
