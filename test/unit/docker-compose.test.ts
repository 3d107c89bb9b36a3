import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { composeBytes, composeDuration, composeYaml } from '../../electron/core/docker/compose';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import type { SpecContext } from '../../electron/core/docker/specs/common';
import { defaultDeployConfig } from '../../electron/core/backends';
import { DeployInputSchema } from '../../electron/shared/contract/docker';

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
    const doc = parse(composeYaml(spec, '1.0.0'));
    const svc = doc.services['slm-deck-vllm-gpu'];
    const o = spec.containers[0].create;
    expect(doc.name).toBe('slm-deck-vllm-gpu');
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
    expect(svc.healthcheck).toEqual({ test: o.Healthcheck.Test, interval: '10s', timeout: '5s', retries: 3, start_period: '1800s', start_interval: '2s' });
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
    expect(svc.volumes).toEqual([{ type: 'bind', source: '/m', target: '/model', read_only: true }]);
    expect(svc.deploy.resources.limits).toEqual({ memory: '8g', cpus: '4' });
  });
});
