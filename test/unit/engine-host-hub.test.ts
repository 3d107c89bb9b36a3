import { describe, expect, it } from 'vitest';
import { HubApiError } from '@huggingface/hub';
import { hfEndpoint, hubError, isSafeRelative, resolveUrl } from '../../electron/core/engine-host/hf-hub';
import { TINY_MODEL_ID } from '../../electron/engine/tiny-model/spec';
import { methods } from '../../electron/shared/contract';
import { DEMO_MODEL_ID, EngineModelIdSchema } from '../../electron/shared/contract/engine';

describe('model store: hub addressing and errors', () => {
  it('takes the hub endpoint from SLM_DECK_HF_ENDPOINT, then HF_ENDPOINT, else huggingface.co', () => {
    expect(hfEndpoint({})).toBe('https://huggingface.co');
    expect(hfEndpoint({ HF_ENDPOINT: 'https://hf-mirror.example/' })).toBe('https://hf-mirror.example');
    expect(hfEndpoint({ HF_ENDPOINT: 'https://hf-mirror.example', SLM_DECK_HF_ENDPOINT: 'http://127.0.0.1:9999' })).toBe('http://127.0.0.1:9999');
  });

  it('builds resolve URLs with each path segment encoded', () => {
    expect(resolveUrl({ endpoint: 'https://huggingface.co', repo: 'microsoft/Phi-4-mini-instruct-onnx', revision: 'main' }, 'cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx.data')).toBe(
      'https://huggingface.co/microsoft/Phi-4-mini-instruct-onnx/resolve/main/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/model.onnx.data',
    );
    expect(resolveUrl({ endpoint: 'http://h', repo: 'a/b', revision: 'refs/pr/1' }, 'dir/a b#.json')).toBe('http://h/a/b/resolve/refs%2Fpr%2F1/dir/a%20b%23.json');
  });

  it('only accepts listed paths that stay inside the model folder', () => {
    expect(isSafeRelative('model.onnx')).toBe(true);
    expect(isSafeRelative('sub/tokenizer.json')).toBe(true);
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', '.']) expect(isSafeRelative(bad)).toBe(false);
  });

  it('maps hub answers to errors a person can act on', () => {
    const t = { endpoint: 'https://huggingface.co' };
    expect(hubError(new HubApiError('u', 401), t, 'x')).toMatchObject({ code: 'unauthorized', hint: expect.stringContaining('token in Settings') });
    expect(hubError({ status: 404 }, t, 'microsoft/x')).toMatchObject({ code: 'not_found', message: 'Hugging Face has no microsoft/x (HTTP 404).' });
    expect(hubError({ status: 429 }, t, 'x')).toMatchObject({ code: 'server_error', message: expect.stringContaining('rate-limiting') });
    expect(hubError({ status: 503 }, t, 'x').hint).toContain('resumes');
    expect(hubError(new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND huggingface.co') }), t, 'x')).toMatchObject({
      code: 'server_unreachable',
      message: 'Cannot reach Hugging Face at https://huggingface.co (getaddrinfo ENOTFOUND huggingface.co).',
    });
    const aborted = new AbortController();
    aborted.abort();
    expect(hubError(new Error('aborted'), { ...t, signal: aborted.signal }, 'x').code).toBe('cancelled');
  });
});

describe('engine contract', () => {
  it('names the demo model as the engine does', () => {
    expect(DEMO_MODEL_ID).toBe(TINY_MODEL_ID);
  });

  it('model ids are folder names under models/, never paths that escape it', () => {
    for (const ok of ['slm-deck-tiny-demo', 'phi-4-mini-instruct/onnx-cpu-int4', 'a.b_c']) expect(EngineModelIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['../etc', 'a/../b', '/abs', 'a/b/c', '', 'a/', 'x/..']) expect(EngineModelIdSchema.safeParse(bad).success).toBe(false);
  });

  it('rejects malformed input for every engine and model store method', () => {
    const bad: Record<string, unknown> = {
      'engine.start': { model: '../x' },
      'engine.stop': { extra: 1 },
      'engine.buildImage': { baseImage: 'not an image!' },
      'modelStore.download': { model: 5 },
      'modelStore.delete': {},
    };
    for (const [name, input] of Object.entries(bad)) {
      expect(methods[name as keyof typeof methods].input.safeParse(input).success, name).toBe(false);
    }
    expect(methods['modelStore.download'].input.parse({})).toEqual({ model: 'phi-4-mini-instruct/onnx-cpu-int4' });
  });
});
