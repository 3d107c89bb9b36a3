import { describe, expect, it } from 'vitest';
import { fmtBytes, fmtSize, fmtTokens } from '../../electron/shared/format';

describe('the one set of formatters (electron/shared/format.ts)', () => {
  it('sizes read like Ollama and Hugging Face sizes (decimal units), small files included', () => {
    expect(fmtSize(2.5e9)).toBe('2.5 GB');
    expect(fmtSize(4_082_018_688)).toBe('4.1 GB');
    expect(fmtSize(41.2e6)).toBe('41 MB');
    // The demo model: not "0 MB".
    expect(fmtSize(281_000)).toBe('281 kB');
    expect(fmtSize(12)).toBe('1 kB');
    expect(fmtSize(null)).toBe('—');
  });

  it('memory is binary: exact for estimates, three digits for charts', () => {
    expect(fmtBytes(512 * 1024 ** 2)).toBe('512 MiB');
    expect(fmtBytes(3.71 * 1024 ** 3)).toBe('3.71 GiB');
    expect(fmtBytes(6012 * 2 ** 20, 'compact')).toBe('5.9 GiB');
    expect(fmtBytes(undefined)).toBe('—');
  });

  it('token counts in K when they are round', () => {
    expect([fmtTokens(4096), fmtTokens(131_072), fmtTokens(1536), fmtTokens(1000)]).toEqual(['4K', '128K', '1.5K', '1,000']);
  });
});
