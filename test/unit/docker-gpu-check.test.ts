import { describe, expect, it } from 'vitest';
import { classifyGpuLogs } from '../../electron/core/docker/gpu-check';
import type { LogLine } from '../../electron/shared/contract/docker';

const lines = (...texts: string[]): LogLine[] => texts.map((text) => ({ stream: 'stdout', time: '', text, container: 'c' }));

describe('GPU check from start-up lines', () => {
  it('recognises vLLM on CUDA and vLLM falling back to the CPU', () => {
    expect(classifyGpuLogs(lines('INFO 05-01 10:00:00 [__init__.py:239] Automatically detected platform cuda.')).state).toBe('gpu');
    expect(classifyGpuLogs(lines('INFO 05-01 10:00:00 [__init__.py:253] Automatically detected platform cpu.')).state).toBe('cpu');
    expect(classifyGpuLogs(lines('RuntimeError: No CUDA GPUs are available')).state).toBe('cpu');
  });

  it('recognises Ollama’s inference compute line', () => {
    const gpu = 'time=2025-04-14T07:08:45.375Z level=INFO source=types.go:130 msg="inference compute" id=GPU-1a2b library=cuda variant=v12 compute=8.9 driver=12.4 name="NVIDIA GeForce RTX 4070" total="11.6 GiB" available="10.9 GiB"';
    const cpu = 'time=2025-04-14T07:08:45.375Z level=INFO source=types.go:130 msg="inference compute" id=0 library=cpu variant="" compute="" driver=0.0 name="" total="30.9 GiB" available="29.6 GiB"';
    expect(classifyGpuLogs(lines(gpu))).toEqual({ state: 'gpu', evidence: gpu });
    expect(classifyGpuLogs(lines('msg="looking for compatible GPUs"', 'msg="no compatible GPUs were discovered"', cpu)).state).toBe('cpu');
  });

  it('takes the latest line that settles it, and says unknown when none does', () => {
    expect(classifyGpuLogs(lines('Automatically detected platform cpu.', 'Automatically detected platform cuda.')).state).toBe('gpu');
    expect(classifyGpuLogs(lines('starting', 'loading model')).state).toBe('unknown');
  });
});
