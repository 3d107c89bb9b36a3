import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeBytes, composeDuration, composeYaml, type ComposeTarget } from '../../electron/core/docker/compose';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import type { SpecContext } from '../../electron/core/docker/specs/common';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema, type DeployInput } from '../../electron/shared/contract/docker';

// The official Compose Specification schema (source noted in its README beside it).
const schema: unknown = JSON.parse(readFileSync(new URL('../fixtures/compose-spec/compose-spec.json', import.meta.url), 'utf8'));
const validCompose = new Ajv({ strict: false, validateSchema: false, allErrors: true }).compile(schema as object);

function exported(input: Partial<DeployInput> & Pick<DeployInput, 'backend'>, target?: ComposeTarget) {
  const backend = input.backend as Exclude<DeployInput['backend'], 'embedded'>;
  const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig(backend), ...input }), ctx);
  const text = composeYaml(spec, '1.0.0', target);
  return { spec, text, doc: parse(text) };
}

const ctx: SpecContext = {
  mirror: 'localhost:5000',
  engineVersion: '1.0.0',
  appVersion: '1.0.0',
  modelsDir: '/models',
  arch: 'x86_64',
  hfTokenDir: null,
  resolveModel: builtinResolveModel,
};

describe('compose export', () => {
  it('writes sizes and durations the way compose reads them', () => {
    expect(composeBytes(8 * 1024 ** 3)).toBe('8g');
    expect(composeBytes(7.5 * 1024 ** 3)).toBe('7680m');
    expect(composeBytes(1000)).toBe('1000b');
    expect(composeDuration(10e9)).toBe('10s');
    expect(composeDuration(1.5e9)).toBe('1500ms');
  });

  it('mirrors the vLLM GPU container: command, ports, volume, limits, GPU reservation, healthcheck', () => {
    const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('vllm-gpu'), gpus: ['0'] }), ctx);
    const text = composeYaml(spec, '1.0.0');
    const doc = parse(text);
    const svc = doc.services['slm-deck-vllm-gpu'];
    const o = spec.containers[0].create;
    // docker-compose 1.x refuses a top-level name: the project goes on the command line.
    expect(doc).not.toHaveProperty('name');
    expect(text).toContain('# Start it with: docker compose -p slm-deck-vllm-gpu up -d');
    expect(svc.image).toBe(o.Image);
    expect(svc.container_name).toBe('slm-deck-vllm-gpu');
    expect(svc.command).toEqual(o.Cmd);
    expect(svc.ports).toEqual(['127.0.0.1:8000:8000']);
    expect(svc.volumes).toEqual([{ type: 'volume', source: 'slm-deck-hf-cache', target: '/root/.cache/huggingface' }]);
    expect(svc.restart).toBe('unless-stopped');
    expect(svc.shm_size).toBe('2g');
    expect(svc.deploy.resources).toEqual({
      limits: { memory: '12g' },
      reservations: { devices: [{ driver: 'nvidia', device_ids: ['0'], capabilities: ['gpu'] }] },
    });
    expect(svc.healthcheck).toEqual({ test: o.Healthcheck.Test, interval: '10s', timeout: '5s', retries: 3, start_period: '1800s' });
    expect(svc.labels).toEqual(o.Labels);
    expect(doc.volumes['slm-deck-hf-cache'].name).toBe('slm-deck-hf-cache');
  });

  it('never writes the Hugging Face token or env values into the file', () => {
    const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('vllm-cpu'), env: { VLLM_LOGGING_LEVEL: 'label-secret' } }), { ...ctx, hfTokenDir: '/home/me/.config/slm-deck/container-secrets/hf' });
    const text = composeYaml(spec, '1.0.0');
    // The token is a file the container reads, never a value: the compose file can only name the folder.
    expect(spec.containers[0].create.Env.some((e) => e.startsWith('HF_TOKEN='))).toBe(false);
    expect(parse(text).services['slm-deck-vllm-cpu'].environment.HF_TOKEN).toBeUndefined();
    expect(parse(text).services['slm-deck-vllm-cpu'].labels['dev.slmdeck.request']).not.toContain('label-secret');
  });

  it('links Open WebUI to a healthy Ollama on a shared network', () => {
    const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('ollama'), openWebUi: true, gpus: ['all'] }), ctx);
    const doc = parse(composeYaml(spec, '1.0.0'));
    expect(doc.services['slm-deck-ollama-webui'].depends_on).toEqual({ 'slm-deck-ollama': { condition: 'service_healthy' } });
    expect(doc.services['slm-deck-ollama-webui'].networks).toEqual(['slm-deck-ollama']);
    expect(doc.services['slm-deck-ollama'].deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    expect(doc.networks['slm-deck-ollama'].name).toBe('slm-deck-ollama');
    expect(Object.keys(doc.volumes)).toEqual(['slm-deck-ollama-data', 'slm-deck-open-webui-data']);
  });

  it('writes IPv6 bind addresses in brackets and the engine mount read-only', () => {
    const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('onnx-engine', '::1'), modelPath: '/m' }), ctx);
    const svc = parse(composeYaml(spec, '1.0.0')).services['slm-deck-onnx-engine'];
    expect(svc.ports).toEqual(['[::1]:8080:8080']);
    expect(svc.volumes).toEqual([{ type: 'bind', source: '${SLM_DECK_MODEL_DIR:-/m}', target: '/model', read_only: true }]);
    expect(svc.deploy.resources.limits).toEqual({ memory: '8g', cpus: '4' });
  });

  it('writes start_interval only for Docker Engine 25 or newer, which is the first to accept it', () => {
    const hc = (target?: ComposeTarget) => exported({ backend: 'vllm-cpu' }, target).doc.services['slm-deck-vllm-cpu'].healthcheck;
    expect(hc()).not.toHaveProperty('start_interval');
    expect(hc({ engine: 'docker', version: '20.10.24+dfsg1' })).not.toHaveProperty('start_interval');
    expect(hc({ engine: 'docker', version: '24.0.9' })).not.toHaveProperty('start_interval');
    expect(hc({ engine: 'podman', version: '5.2.0' })).not.toHaveProperty('start_interval');
    expect(hc({ engine: 'docker', version: '25.0.0' }).start_interval).toBe('2s');
    expect(hc({ engine: 'docker', version: '28.3.1' }).start_interval).toBe('2s');
  });

  it('doubles every literal $ so compose passes values through unchanged', () => {
    const spec = buildSpec(DeployInputSchema.parse({ ...defaultDeployConfig('vllm-cpu'), env: { DB_PASSWORD: 'pa$word', PRICE: '$5 ${HOME}' } }), ctx);
    const text = composeYaml(spec, '1.0.0');
    const svc = parse(text).services['slm-deck-vllm-cpu'];
    expect(svc.environment.DB_PASSWORD).toBe('pa$$word');
    expect(svc.environment.PRICE).toBe('$$5 $${HOME}');
    expect(text).not.toMatch(/[^$]\$[^${]/);
  });

  it('ONNX engine: names the build and download commands, never pulls its image, mounts a folder named by a variable', () => {
    const { text, doc } = exported({ backend: 'onnx-engine' });
    const svc = doc.services['slm-deck-onnx-engine'];
    expect(svc.pull_policy).toBe('never');
    expect(svc.volumes[0].source).toBe('${SLM_DECK_MODEL_DIR:-/models/phi-4-mini-instruct/onnx-cpu-int4}');
    expect(text).toContain(`# Build the image ${svc.image} first: slm-deck engine build-image`);
    expect(text).toContain('# The model folder is SLM_DECK_MODEL_DIR (default /models/phi-4-mini-instruct/onnx-cpu-int4);');
    expect(text).toContain('download it with: slm-deck engine download phi-4-mini-instruct/onnx-cpu-int4');
  });

  it('Ollama: a one-shot service pulls the served model once the server is healthy, on the server network', () => {
    const plain = exported({ backend: 'ollama' }).doc.services;
    expect(plain['slm-deck-ollama-init']).toEqual({
      image: plain['slm-deck-ollama'].image,
      container_name: 'slm-deck-ollama-init',
      entrypoint: ['/bin/ollama'],
      command: ['pull', 'phi4-mini:3.8b-q4_K_M'],
      environment: { OLLAMA_HOST: 'http://slm-deck-ollama:11434' },
      depends_on: { 'slm-deck-ollama': { condition: 'service_healthy' } },
      restart: 'no',
    });
    const withUi = exported({ backend: 'ollama', openWebUi: true }).doc.services;
    expect(withUi['slm-deck-ollama-init'].networks).toEqual(['slm-deck-ollama']);
    expect(withUi['slm-deck-ollama-webui'].environment.DEFAULT_MODELS).toBe('phi4-mini:3.8b-q4_K_M');
  });

  const variants: Array<[string, Partial<DeployInput> & Pick<DeployInput, 'backend'>]> = [
    ['vllm-gpu on every GPU', { backend: 'vllm-gpu', gpus: ['all'] }],
    ['vllm-gpu on GPUs 0 and 1', { backend: 'vllm-gpu', gpus: ['0', '1'] }],
    ['vllm-cpu', { backend: 'vllm-cpu', env: { A: 'x$y' } }],
    ['ollama', { backend: 'ollama' }],
    ['ollama with Open WebUI on a GPU', { backend: 'ollama', openWebUi: true, gpus: ['all'] }],
    ['onnx-engine', { backend: 'onnx-engine' }],
    ['llama-cpp on a GPU', { backend: 'llama-cpp', gpus: ['0'] }],
    ['onnx-engine on IPv6 with a model path', { backend: 'onnx-engine', bindHost: '::1', modelPath: '/srv/m$dels' }],
  ];
  for (const target of [undefined, { engine: 'docker', version: '27.0.1' } as const]) {
    for (const [label, input] of variants) {
      it(`${label}${target ? ' for Engine 27' : ''}: valid against the Compose Specification schema`, () => {
        const { doc } = exported(input, target);
        expect(validCompose(doc) ? [] : validCompose.errors).toEqual([]);
      });
    }
  }
});
