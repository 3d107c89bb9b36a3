import { Document } from 'yaml';
import type { ContainerSpec, DeploymentSpec } from '../../shared/contract/docker';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const S = 1_000_000_000;

/** Docker byte sizes as compose writes them (binary units: 1g = 1024^3). */
export function composeBytes(n: number): string {
  if (n % GIB === 0) return `${n / GIB}g`;
  if (n % MIB === 0) return `${n / MIB}m`;
  return `${n}b`;
}

export function composeDuration(ns: number): string {
  return ns % S === 0 ? `${ns / S}s` : `${ns / 1_000_000}ms`;
}

function portString(hostIp: string, hostPort: string, containerPort: string): string {
  const ip = hostIp.includes(':') && !hostIp.startsWith('[') ? `[${hostIp}]` : hostIp;
  return `${ip ? `${ip}:` : ''}${hostPort}:${containerPort}`;
}

/** Environment as a map; a Hugging Face token becomes a `${HF_TOKEN}` reference so the file holds no secret. */
function environment(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    const v = i < 0 ? '' : e.slice(i + 1);
    out[k] = k === 'HF_TOKEN' || k === 'HUGGING_FACE_HUB_TOKEN' ? '${HF_TOKEN}' : v;
  }
  return out;
}

function service(c: ContainerSpec, spec: DeploymentSpec): Record<string, unknown> {
  const o = c.create;
  const h = o.HostConfig;
  const svc: Record<string, unknown> = { image: o.Image, container_name: o.name };
  if (o.Cmd?.length) svc.command = o.Cmd;
  if (o.Env.length) svc.environment = environment(o.Env);
  svc.ports = Object.entries(h.PortBindings).flatMap(([key, binds]) =>
    binds.map((b) => portString(b.HostIp, b.HostPort, key.replace(/\/tcp$/, ''))),
  );
  if (h.Mounts.length) {
    svc.volumes = h.Mounts.map((m) => ({
      type: m.Type,
      source: m.Source,
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
    ...(hc.StartInterval ? { start_interval: composeDuration(hc.StartInterval) } : {}),
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

/** The compose file as a plain object: the same containers, volumes and network the app creates. */
export function composeObject(spec: DeploymentSpec): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: `slm-deck-${spec.name}`,
    services: Object.fromEntries(spec.containers.map((c) => [c.name, service(c, spec)])),
  };
  if (spec.volumes.length) {
    // An explicit name keeps compose from prefixing the project, so the app and compose share the volumes.
    doc.volumes = Object.fromEntries(spec.volumes.map((v) => [v.name, { name: v.name, labels: v.labels }]));
  }
  if (spec.network) doc.networks = { [spec.network.name]: { name: spec.network.name, labels: spec.network.labels } };
  return doc;
}

/** docker-compose.yml text for a deployment, with a header saying how to use it. */
export function composeYaml(spec: DeploymentSpec, appVersion: string): string {
  const doc = new Document(composeObject(spec));
  const lines = [
    ` docker-compose.yml for the SLM Deck deployment "${spec.name}" (${spec.backend}), made by SLM Deck ${appVersion}.`,
    ' Start it with: docker compose up -d',
    ` Endpoint: ${spec.endpoint.url}`,
  ];
  if (spec.containers.some((c) => c.create.Env.some((e) => e.startsWith('HF_TOKEN=')))) {
    lines.push(' Set HF_TOKEN in the environment (or an .env file) for gated models.');
  }
  doc.commentBefore = lines.join('\n');
  return doc.toString({ lineWidth: 0 });
}
