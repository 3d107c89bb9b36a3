import { describe, expect, it } from 'vitest';
import { mirrorImage, parseImageRef } from '../../electron/core/docker/mirror';

describe('mirrorImage', () => {
  it('prefixes Docker Hub images with the mirror and adds the implicit tag', () => {
    expect(mirrorImage('vllm/vllm-openai:latest', 'localhost:5000')).toBe('localhost:5000/vllm/vllm-openai:latest');
    expect(mirrorImage('ollama/ollama', 'localhost:5000')).toBe('localhost:5000/ollama/ollama:latest');
    expect(mirrorImage('vllm/vllm-openai-cpu:latest-x86_64', 'localhost:5000')).toBe('localhost:5000/vllm/vllm-openai-cpu:latest-x86_64');
  });

  it('keeps the library/ prefix of official images, as pull-through mirrors serve them', () => {
    expect(mirrorImage('ubuntu:24.04', 'mirror.example.com')).toBe('mirror.example.com/library/ubuntu:24.04');
    expect(mirrorImage('docker.io/library/busybox', 'localhost:5000')).toBe('localhost:5000/library/busybox:latest');
  });

  it('drops the source registry of other registries', () => {
    expect(mirrorImage('ghcr.io/open-webui/open-webui:main', 'localhost:5000')).toBe('localhost:5000/open-webui/open-webui:main');
  });

  it('accepts a mirror with a path and a trailing slash', () => {
    expect(mirrorImage('ollama/ollama:0.12.0', 'registry.corp:8443/hub/')).toBe('registry.corp:8443/hub/ollama/ollama:0.12.0');
  });

  it('keeps digests', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(mirrorImage(`ollama/ollama@${digest}`, 'localhost:5000')).toBe(`localhost:5000/ollama/ollama@${digest}`);
  });

  it('does not mirror twice and only normalises without a mirror', () => {
    expect(mirrorImage('localhost:5000/ollama/ollama:latest', 'localhost:5000')).toBe('localhost:5000/ollama/ollama:latest');
    expect(mirrorImage('ollama/ollama', '')).toBe('ollama/ollama:latest');
    expect(mirrorImage('ghcr.io/open-webui/open-webui:main', '')).toBe('ghcr.io/open-webui/open-webui:main');
  });

  it('rejects references that are not image names', () => {
    for (const bad of ['', 'Ollama/Ollama', 'ollama/ollama:', 'a b', 'x@sha256:zz']) {
      expect(() => parseImageRef(bad), bad).toThrow(/not a valid image reference/);
    }
  });
});
