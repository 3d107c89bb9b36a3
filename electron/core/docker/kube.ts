import { stringify } from 'yaml';
import type { ContainerSpec, DeploymentSpec } from '../../shared/contract/docker';
import { exportHooks } from './export-hooks';
import { LABEL } from './labels';
import { VOLUMES } from './specs/common';

const MIB = 1024 ** 2;
const S = 1_000_000_000;

/** The Secret the manifests read stored secrets from; created by the user, never written into the file. */
export const KUBE_SECRET = 'slm-deck-secrets';
const HF_TOKEN_KEY = 'hf-token';

/** Claim sizes for the shared volumes (the models they hold, with room to spare); a model folder gets MODEL_CLAIM. */
const CLAIM_SIZE: Record<string, string> = {
  [VOLUMES.hfCache]: '20Gi',
  [VOLUMES.ollamaData]: '20Gi',
  [VOLUMES.openWebUiData]: '2Gi',
};
const MODEL_CLAIM = '10Gi';

type Obj = Record<string, unknown>;

/** A DNS-1123 label: Docker names may hold `_` and `.`, Kubernetes object names may not. */
export function kubeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/^-+|-+$/g, '');
}

/** Kubernetes expands `$(VAR)` in env values, command and args; `$$` is a literal `$`. */
function literal(s: string): string {
  return s.replaceAll('$', '$$$$');
}

/** The claim holding a mount's data: a named volume keeps its name, a host folder gets one per deployment. */
function claimName(spec: DeploymentSpec, m: ContainerSpec['create']['HostConfig']['Mounts'][number]): string {
  return kubeName(m.Type === 'volume' ? m.Source : `slm-deck-${spec.name}-model`);
}

function labels(spec: DeploymentSpec, role: ContainerSpec['role']): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'slm-deck',
    'app.kubernetes.io/instance': kubeName(spec.name),
    'app.kubernetes.io/component': role,
    'app.kubernetes.io/managed-by': 'slm-deck',
    [LABEL.managed]: 'true',
    [LABEL.deployment]: spec.name,
    [LABEL.backend]: spec.backend,
    [LABEL.role]: role,
  };
}

function selector(spec: DeploymentSpec, role: ContainerSpec['role']): Record<string, string> {
  return { 'app.kubernetes.io/instance': kubeName(spec.name), 'app.kubernetes.io/component': role };
}

function env(c: ContainerSpec, spec: DeploymentSpec): Obj[] {
  const server = spec.containers.find((x) => x.role === 'server');
  // Stored secrets come from the Secret the user creates; never a value in the file.
  const secrets = Object.entries((c === server && exportHooks(spec.backend).secretEnv) || {}).map(([name, key]) => ({
    name,
    valueFrom: { secretKeyRef: { name: KUBE_SECRET, key, optional: true } },
  }));
  const plain = c.create.Env.map((e) => {
    const i = e.indexOf('=');
    const name = i < 0 ? e : e.slice(0, i);
    let value = i < 0 ? '' : e.slice(i + 1);
    if (name === 'HF_TOKEN' || name === 'HUGGING_FACE_HUB_TOKEN') {
      return { name, valueFrom: { secretKeyRef: { name: KUBE_SECRET, key: HF_TOKEN_KEY, optional: true } } };
    }
    // Companions reach the server through its Service, whose name may differ from the container's.
    if (server && c !== server) value = value.replaceAll(`//${server.name}:`, `//${kubeName(server.name)}:`);
    return { name, value: literal(value) };
  });
  return [...plain.filter((e) => !secrets.some((s) => s.name === e.name)), ...secrets];
}

function resources(c: ContainerSpec): Obj | null {
  const h = c.create.HostConfig;
  const amounts: Record<string, string> = {};
  if (h.Memory !== undefined) amounts.memory = `${Math.ceil(h.Memory / MIB)}Mi`;
  if (h.NanoCpus !== undefined) amounts.cpu = `${Math.round(h.NanoCpus / 1e6)}m`;
  const gpus = (h.DeviceRequests ?? []).reduce((n, d) => n + (d.DeviceIDs?.length ? d.DeviceIDs.length : d.Count && d.Count > 0 ? d.Count : 1), 0);
  if (!Object.keys(amounts).length && !gpus) return null;
  // Requests equal limits: the scheduler reserves what the planner sized, and the pod is never the first evicted.
  return {
    requests: { ...amounts, ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) },
    limits: { ...amounts, ...(gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) },
  };
}

function probes(c: ContainerSpec, spec: DeploymentSpec): Obj {
  const path = exportHooks(spec.backend).healthPaths[c.role];
  if (!path) return {};
  const get = { httpGet: { path, port: 'http' } };
  const hc = c.create.Healthcheck;
  const period = Math.max(1, Math.round(hc.Interval / S));
  const timeout = Math.max(1, Math.round(hc.Timeout / S));
  return {
    // Loading a model takes as long as the Docker start period allows; only then do liveness checks count.
    startupProbe: { ...get, periodSeconds: 2, timeoutSeconds: timeout, failureThreshold: Math.max(1, Math.ceil(hc.StartPeriod / S / 2)) },
    readinessProbe: { ...get, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: hc.Retries },
    livenessProbe: { ...get, periodSeconds: period, timeoutSeconds: timeout, failureThreshold: hc.Retries },
  };
}

function securityContext(c: ContainerSpec): Obj | null {
  const h = c.create.HostConfig;
  const ctx: Obj = {};
  if (h.CapAdd?.length) ctx.capabilities = { add: h.CapAdd };
  if (h.SecurityOpt?.includes('seccomp=unconfined')) ctx.seccompProfile = { type: 'Unconfined' };
  return Object.keys(ctx).length ? ctx : null;
}

function container(c: ContainerSpec, spec: DeploymentSpec): Obj {
  const h = c.create.HostConfig;
  const mounts: Obj[] = h.Mounts.map((m) => ({ name: claimName(spec, m), mountPath: m.Target, ...(m.ReadOnly ? { readOnly: true } : {}) }));
  if (h.ShmSize !== undefined) mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
  const res = resources(c);
  const sec = securityContext(c);
  return {
    name: c.role,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    ...(c.create.Cmd?.length ? { args: c.create.Cmd.map(literal) } : {}),
    ...(env(c, spec).length ? { env: env(c, spec) } : {}),
    ports: [{ name: 'http', containerPort: c.containerPort, protocol: 'TCP' }],
    ...(mounts.length ? { volumeMounts: mounts } : {}),
    ...(res ? { resources: res } : {}),
    ...(sec ? { securityContext: sec } : {}),
    ...probes(c, spec),
  };
}

function volumes(c: ContainerSpec, spec: DeploymentSpec): Obj[] {
  const h = c.create.HostConfig;
  const out: Obj[] = h.Mounts.map((m) => ({ name: claimName(spec, m), persistentVolumeClaim: { claimName: claimName(spec, m), ...(m.ReadOnly ? { readOnly: true } : {}) } }));
  // vLLM's workers share tensors through /dev/shm; a container's default 64 MiB is too small.
  if (h.ShmSize !== undefined) out.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: `${Math.ceil(h.ShmSize / MIB)}Mi` } });
  return out;
}

function initContainers(c: ContainerSpec, spec: DeploymentSpec): Obj[] {
  const script = c.role === 'server' ? exportHooks(spec.backend).kubeInit?.(spec.endpoint.model) : undefined;
  if (!script) return [];
  const main = container(c, spec);
  return [
    {
      name: 'model-pull',
      image: c.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', literal(script)],
      ...(main.env ? { env: main.env } : {}),
      ...(main.volumeMounts ? { volumeMounts: main.volumeMounts } : {}),
    },
  ];
}

function annotations(c: ContainerSpec): Record<string, string> {
  // Label values are limited to 63 plain characters: the request and endpoint JSON go here.
  return Object.fromEntries(Object.entries(c.create.Labels).filter(([k]) => k.startsWith('dev.slmdeck.')));
}

function deployment(c: ContainerSpec, spec: DeploymentSpec): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: kubeName(c.name), labels: labels(spec, c.role), annotations: annotations(c) },
    spec: {
      replicas: 1,
      // The claims are ReadWriteOnce: the old pod must let go before the new one mounts them.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector(spec, c.role) },
      template: {
        metadata: { labels: labels(spec, c.role) },
        spec: {
          ...(initContainers(c, spec).length ? { initContainers: initContainers(c, spec) } : {}),
          containers: [container(c, spec)],
          volumes: volumes(c, spec),
        },
      },
    },
  };
}

function service(c: ContainerSpec, spec: DeploymentSpec): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: kubeName(c.name), labels: labels(spec, c.role) },
    spec: { type: 'ClusterIP', selector: selector(spec, c.role), ports: [{ name: 'http', port: c.containerPort, targetPort: 'http', protocol: 'TCP' }] },
  };
}

function claims(spec: DeploymentSpec): Obj[] {
  const seen = new Map<string, Obj>();
  for (const c of spec.containers) {
    for (const m of c.create.HostConfig.Mounts) {
      const name = claimName(spec, m);
      if (seen.has(name)) continue;
      seen.set(name, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, labels: { 'app.kubernetes.io/name': 'slm-deck', 'app.kubernetes.io/managed-by': 'slm-deck', [LABEL.managed]: 'true' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: m.Type === 'volume' ? (CLAIM_SIZE[m.Source] ?? MODEL_CLAIM) : MODEL_CLAIM } } },
      });
    }
  }
  return [...seen.values()];
}

/** The manifests as objects: claims, then a Deployment and a Service per container. */
export function kubeObjects(spec: DeploymentSpec): Obj[] {
  return [...claims(spec), ...spec.containers.flatMap((c) => [deployment(c, spec), service(c, spec)])];
}

/** Multi-document Kubernetes YAML for a deployment, with a header saying how to apply it. */
export function kubeYaml(spec: DeploymentSpec, appVersion: string): string {
  const hooks = exportHooks(spec.backend);
  const server = spec.containers.find((c) => c.role === 'server');
  const file = `slm-deck-${spec.name}.yaml`;
  const lines = [
    `# Kubernetes manifests for the SLM Deck deployment "${spec.name}" (${spec.backend}), made by SLM Deck ${appVersion}.`,
    `# Apply them with: kubectl apply -f ${file}`,
  ];
  if (hooks.secretEnv) {
    lines.push(`# Gated models read the token from a Secret: kubectl create secret generic ${KUBE_SECRET} --from-literal=${HF_TOKEN_KEY}=hf_...`);
  }
  if (server && hooks.buildCommand) {
    lines.push(`# The image ${server.image} is built by SLM Deck (${hooks.buildCommand}): push it to a registry your cluster pulls from and set the image.`);
  }
  if (server?.create.HostConfig.Mounts.some((m) => m.Type === 'bind')) {
    lines.push(`# The claim ${kubeName(`slm-deck-${spec.name}-model`)} must hold the model folder before the server starts (e.g. kubectl cp from a helper pod).`);
  }
  if (hooks.kubeInit) lines.push(`# An init container pulls ${spec.endpoint.model} onto the model volume before the server starts.`);
  if (server) lines.push(`# Reach it with: kubectl port-forward service/${kubeName(server.name)} ${server.containerPort}:${server.containerPort}`);
  const docs = kubeObjects(spec).map((o) => stringify(o, { lineWidth: 0, version: '1.1' }));
  return `${lines.join('\n')}\n---\n${docs.join('---\n')}`;
}
