import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubeYaml } from '../../electron/core/docker/kube';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import type { SpecContext } from '../../electron/core/docker/specs/common';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, type DeployInput } from '../../electron/shared/contract/docker';

const ctx: SpecContext = {
  mirror: 'localhost:5000',
  engineVersion: '1.0.0',
  appVersion: '1.0.0',
  modelsDir: '/models',
  arch: 'x86_64',
  hfTokenDir: null,
  resolveModel: builtinResolveModel,
};

// Loose shapes for reading the manifests back; the schemas below check them for real.
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports: Array<{ name: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext?: { capabilities?: { add: string[] }; seccompProfile?: { type: string } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}
interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  failureThreshold: number;
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    template: { spec: { containers: Container[]; initContainers?: Container[]; volumes: Array<Record<string, unknown> & { name: string }> } };
    ports: Array<{ port: number; targetPort: string }>;
    resources: { requests: { storage: string } };
    accessModes: string[];
  };
}

/** Each document through the Kubernetes API schema of its kind (kubernetes-models): throws when invalid. */
function validate(doc: Manifest): void {
  const model = { Deployment, Service, PersistentVolumeClaim }[doc.kind];
  if (!model) throw new Error(`unexpected kind ${doc.kind}`);
  new model(doc as never).validate();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exported(input: Partial<DeployInput> & Pick<DeployInput, 'backend'>) {
  const backend = input.backend as Exclude<DeployInput['backend'], 'embedded'>;
  const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig(backend), ...input }), ctx);
  const text = kubeYaml(spec, '1.0.0');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Manifest);
  const find = (kind: string, name: string) => {
    const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
    if (!d) throw new Error(`no ${kind} ${name} in\n${text}`);
    return d;
  };
  const server = (name: string) => find('Deployment', name).spec.template.spec.containers[0];
  return { spec, text, docs, find, server };
}

const variants: Array<[string, Partial<DeployInput> & Pick<DeployInput, 'backend'>]> = [
  ['vllm-gpu on every GPU', { backend: 'vllm-gpu', gpus: ['all'] }],
  ['vllm-gpu on GPUs 0 and 1', { backend: 'vllm-gpu', gpus: ['0', '1'] }],
  ['vllm-cpu', { backend: 'vllm-cpu', env: { A: 'x$y' } }],
  ['ollama', { backend: 'ollama' }],
  ['ollama with Open WebUI on a GPU', { backend: 'ollama', openWebUi: true, gpus: ['all'] }],
  ['onnx-engine', { backend: 'onnx-engine' }],
  ['llama-cpp on a GPU', { backend: 'llama-cpp', gpus: ['0'] }],
  ['onnx-engine with a name Kubernetes does not allow as is', { backend: 'onnx-engine', name: 'my_engine.v2', modelPath: '/srv/m' }],
];

describe('Kubernetes export', () => {
  for (const [label, input] of variants) {
    it(`${label}: every manifest is valid against the Kubernetes API schemas, storage on claims only`, () => {
      const { docs, text } = exported(input);
      expect(docs.length).toBeGreaterThanOrEqual(3);
      for (const d of docs) validate(d);
      expect(docs.filter((d) => d.kind === 'Deployment').length).toBe(docs.filter((d) => d.kind === 'Service').length);
      expect(text).not.toContain('hostPath');
      expect(text).toContain('kubectl apply -f');
    });
  }

  it('the schema check rejects a broken manifest (so the checks above can fail)', () => {
    const { find } = exported({ backend: 'vllm-cpu' });
    const d = find('Deployment', 'slm-deck-vllm-cpu');
    d.spec.template.spec.containers[0].ports[0].containerPort = '8000' as never;
    expect(() => validate(d)).toThrow(/containerPort must be integer/);
  });

  it('vLLM GPU: nvidia.com/gpu limits, requests equal to the planned limits, probes on /health', () => {
    const all = exported({ backend: 'vllm-gpu', gpus: ['all'] }).server('slm-deck-vllm-gpu');
    expect(all.resources).toEqual({ requests: { memory: '12288Mi', 'nvidia.com/gpu': '1' }, limits: { memory: '12288Mi', 'nvidia.com/gpu': '1' } });
    const two = exported({ backend: 'vllm-gpu', gpus: ['0', '1'] }).server('slm-deck-vllm-gpu');
    expect(two.resources?.limits['nvidia.com/gpu']).toBe('2');
    for (const p of [all.startupProbe, all.readinessProbe, all.livenessProbe]) expect(p?.httpGet).toEqual({ path: '/health', port: 'http' });
    // The startup probe waits as long as Docker's start period (30 min for vLLM to download and load).
    expect(all.startupProbe!.periodSeconds * all.startupProbe!.failureThreshold).toBeGreaterThanOrEqual(1800);
  });

  it('vLLM CPU: in-memory /dev/shm, SYS_NICE and unconfined seccomp, CPU and memory from the request', () => {
    const { find, server } = exported({ backend: 'vllm-cpu', cpus: 6, memoryLimitGb: 10 });
    const c = server('slm-deck-vllm-cpu');
    expect(c.resources).toEqual({ requests: { memory: '10240Mi', cpu: '6000m' }, limits: { memory: '10240Mi', cpu: '6000m' } });
    expect(c.securityContext).toEqual({ capabilities: { add: ['SYS_NICE'] }, seccompProfile: { type: 'Unconfined' } });
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    const vols = find('Deployment', 'slm-deck-vllm-cpu').spec.template.spec.volumes;
    expect(vols).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4096Mi' } });
    expect(vols).toContainEqual({ name: 'slm-deck-hf-cache', persistentVolumeClaim: { claimName: 'slm-deck-hf-cache' } });
    expect(find('PersistentVolumeClaim', 'slm-deck-hf-cache').spec.resources.requests.storage).toBe('20Gi');
    expect(find('Service', 'slm-deck-vllm-cpu').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('the Hugging Face token is a Secret reference, never a value', () => {
    const { text, server } = exported({ backend: 'vllm-cpu' });
    expect(text).not.toContain('hf_secret_value');
    expect(server('slm-deck-vllm-cpu').env).toContainEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'slm-deck-secrets', key: 'hf-token', optional: true } } });
    expect(text).toContain('kubectl create secret generic slm-deck-secrets --from-literal=hf-token=');
  });

  it('doubles literal $ in env values and args, which Kubernetes would otherwise expand as $(VAR)', () => {
    const c = exported({ backend: 'vllm-cpu', env: { P: 'pa$(HOME)word' } }).server('slm-deck-vllm-cpu');
    expect(c.env).toContainEqual({ name: 'P', value: 'pa$$(HOME)word' });
  });

  it('keeps the request and endpoint JSON in annotations, and only short values in labels', () => {
    const { find } = exported({ backend: 'ollama' });
    const d = find('Deployment', 'slm-deck-ollama');
    expect(JSON.parse(d.metadata.annotations!['dev.slmdeck.request']).model).toBe('phi-4-mini-instruct/ollama-q4_K_M');
    for (const v of Object.values(d.metadata.labels!)) expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });

  it('ONNX engine: the model folder is a read-only claim, and the header says how to get the image and the model there', () => {
    const { text, server, find } = exported({ backend: 'onnx-engine', name: 'my_engine.v2', modelPath: '/srv/m' });
    const c = server('slm-deck-my-engine-v2');
    expect(c.volumeMounts).toEqual([{ name: 'slm-deck-my-engine-v2-model', mountPath: '/model', readOnly: true }]);
    expect(find('PersistentVolumeClaim', 'slm-deck-my-engine-v2-model').spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(text).toContain('slm-deck engine build-image');
    expect(text).toContain('The claim slm-deck-my-engine-v2-model must hold the model folder');
    expect(find('Deployment', 'slm-deck-my-engine-v2').metadata.labels!['dev.slmdeck.deployment']).toBe('my_engine.v2');
  });

  it('Ollama: an init container pulls the model onto the data volume; Open WebUI reaches the server Service', () => {
    const { find, server } = exported({ backend: 'ollama', openWebUi: true });
    const init = find('Deployment', 'slm-deck-ollama').spec.template.spec.initContainers!;
    expect(init.map((c) => c.name)).toEqual(['model-pull']);
    expect(init[0].image).toBe(server('slm-deck-ollama').image);
    expect(init[0].volumeMounts).toEqual([{ name: 'slm-deck-ollama-data', mountPath: '/root/.ollama' }]);
    expect(init[0].command!.join(' ')).toContain("ollama pull 'phi4-mini:3.8b-q4_K_M'");
    expect(server('slm-deck-ollama').readinessProbe?.httpGet.path).toBe('/api/tags');
    const ui = server('slm-deck-ollama-webui');
    expect(ui.readinessProbe?.httpGet.path).toBe('/health');
    expect(ui.env).toContainEqual({ name: 'OLLAMA_BASE_URL', value: 'http://slm-deck-ollama:11434' });
    expect(find('Service', 'slm-deck-ollama').spec.ports[0].port).toBe(11434);
  });

  it('the Ollama init script, as Kubernetes hands it to sh, waits for the server, pulls, stops the server and passes the exit code', async () => {
    const init = exported({ backend: 'ollama' }).find('Deployment', 'slm-deck-ollama').spec.template.spec.initContainers![0];
    // Kubernetes turns `$$` back into `$` before running the command.
    const script = init.command![2].replaceAll('$$', '$');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slm-deck-kube-init-'));
    // A stand-in `ollama` CLI: `serve` comes up after a moment, `list` succeeds only then, `pull` records its model.
    writeFileSync(
      path.join(dir, 'ollama'),
      `#!/bin/sh\ncase "$1" in\n serve) echo $$ > "${dir}/pid"; sleep 0.3; touch "${dir}/up"; while :; do sleep 0.1; done ;;\n list) [ -e "${dir}/up" ] ;;\n pull) echo "$2" > "${dir}/pulled"; exit "\${PULL_EXIT:-0}" ;;\nesac\n`,
    );
    chmodSync(path.join(dir, 'ollama'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    execFileSync('sh', ['-c', script], { env, timeout: 20_000 });
    expect(readFileSync(path.join(dir, 'pulled'), 'utf8').trim()).toBe('phi4-mini:3.8b-q4_K_M');
    // The private server was stopped (TERM ends the stand-in); wait for the process to be gone.
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
    let status: number | null = null;
    try {
      execFileSync('sh', ['-c', script], { env: { ...env, PULL_EXIT: '3' }, timeout: 20_000, stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number | null }).status;
    }
    expect(status).toBe(3);
  });
});
