import { describe, expect, it } from 'vitest';
import { fmtSize } from '../../electron/cli/commands/models';

describe('CLI sizes', () => {
  it('read like Ollama and Hugging Face sizes (decimal units), small files included', () => {
    expect(fmtSize(2.5e9)).toBe('2.5 GB');
    expect(fmtSize(41.2e6)).toBe('41 MB');
    // The demo model: not "0 MB".
    expect(fmtSize(281_000)).toBe('281 KB');
    expect(fmtSize(12)).toBe('1 KB');
  });
});
