import { describe, expect, it } from 'vitest';
import { defaultDeployConfig } from '../../electron/core/backends';
import { builtinResolveModel } from '../../electron/core/docker/model-ref';
import { buildSpec } from '../../electron/core/docker/specs';
import { DeployInputSchema } from '../../electron/shared/contract/docker';
import { parseLlamaServerArgs, toLlamaCppMetrics } from '../fakes/llama-cpp/llama-server';

describe('llama.cpp stand-in', () => {
  it('reads the command line SLM Deck gives llama-server', () => {
    const req = DeployInputSchema.parse({ ...defaultDeployConfig('llama-cpp'), gpus: ['0'], contextLength: 2048, parallel: 3, llamaCpp: { kvCacheType: 'q8_0' } });
    const spec = buildSpec(req, { mirror: '', engineVersion: '1', appVersion: '1', modelsDir: '/m', arch: 'x86_64', resolveModel: builtinResolveModel });
    expect(parseLlamaServerArgs(spec.containers[0].create.Cmd!)).toEqual({
      hf: 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M',
      alias: 'bartowski/microsoft_Phi-4-mini-instruct-GGUF:Q4_K_M',
      host: '0.0.0.0',
      port: 8080,
      ctx: 6144,
      parallel: 3,
      jinja: true,
      metrics: true,
      gpuLayers: 999,
      cacheTypeK: 'q8_0',
      cacheTypeV: 'q8_0',
    });
  });

  it('refuses what llama-server refuses: unknown flags, missing values, unknown cache types', () => {
    expect(() => parseLlamaServerArgs(['--max-model-len', '4096'])).toThrow('error: invalid argument: --max-model-len');
    expect(() => parseLlamaServerArgs(['-c'])).toThrow(/expected value/);
    expect(() => parseLlamaServerArgs(['--cache-type-k', 'q3'])).toThrow(/Unsupported cache type: q3/);
  });

  it('serves the engine counters under llama.cpp metric names', () => {
    const text = ['slm_engine_tokens_generated_total 42', 'slm_engine_requests_running 1', 'slm_engine_kv_cache_bytes 1024', 'slm_engine_requests_waiting 0'].join('\n');
    expect(toLlamaCppMetrics(text).split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'llamacpp:tokens_predicted_total 42',
      'llamacpp:requests_processing 1',
      'llamacpp:requests_deferred 0',
      '',
    ]);
  });
});
