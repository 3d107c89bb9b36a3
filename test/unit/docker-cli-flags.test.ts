import { describe, expect, it } from 'vitest';
import { requestFromFlags } from '../../electron/cli/commands/deploy';
import { DeployInputSchema } from '../../electron/shared/contract/docker';
import { isDeckError } from '../../electron/shared/errors';

describe('slm-deck deploy flags', () => {
  it('starts from the seed defaults of the backend and applies the flags', () => {
    const req = DeployInputSchema.parse(
      requestFromFlags('ollama', { port: '11500', name: 'mine', context: '8192', parallel: '2', memory: 'none', env: ['A=1', 'B=x=y'], openWebui: true, webuiPort: '3100' }, '127.0.0.1'),
    );
    expect(req).toMatchObject({
      backend: 'ollama',
      model: 'phi-4-mini-instruct/ollama-q4_K_M',
      hostPort: 11500,
      name: 'mine',
      contextLength: 8192,
      parallel: 2,
      memoryLimitGb: null,
      env: { A: '1', B: 'x=y' },
      openWebUi: true,
      webUiPort: 3100,
      bindHost: '127.0.0.1',
    });
  });

  it('maps --gpus all and --no-tool-calling', () => {
    const req = requestFromFlags('vllm-gpu', { gpus: 'all', toolCalling: false }, '127.0.0.1');
    expect(req.gpus).toEqual(['all']);
    expect(req.vllm?.toolCalling).toBe(false);
    expect(requestFromFlags('vllm-gpu', { gpus: '0, 1' }, '127.0.0.1').gpus).toEqual(['0', '1']);
  });

  it('refuses unknown backends, the embedded engine and malformed values with a hint', () => {
    const cases: Array<[string, Parameters<typeof requestFromFlags>[1]]> = [['mlx', {}], ['embedded', {}], ['ollama', { env: ['NOEQUALS'] }], ['ollama', { port: 'eighty' }]];
    for (const [b, o] of cases) {
      try {
        requestFromFlags(b, o, '127.0.0.1');
        throw new Error(`accepted ${b}`);
      } catch (e) {
        expect(isDeckError(e) && e.code).toBe('invalid_input');
      }
    }
  });
});
