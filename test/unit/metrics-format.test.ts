import { describe, expect, it } from 'vitest';
import { formatMetric } from '../../electron/shared/contract/metrics';

describe('formatMetric: units that read well', () => {
  it.each([
    [null, 'percent', '—'],
    [NaN, 'bytes', '—'],
    [0, 'percent', '0 %'],
    [100, 'percent', '100 %'],
    [37.46, 'percent', '37 %'],
    [5.55, 'percent', '5.5 %'],
    [512, 'bytes', '512 B'],
    [64 * 1024 * 1024, 'bytes', '64.0 MiB'],
    [6012 * 2 ** 20, 'bytes', '5.9 GiB'],
    [24564 * 2 ** 20, 'bytes', '24.0 GiB'],
    [1.5 * 2 ** 40, 'bytes', '1.5 TiB'],
    [0, 'tokensPerSecond', '0.0 tok/s'],
    [0.25, 'tokensPerSecond', '0.25 tok/s'],
    [42.345, 'tokensPerSecond', '42.3 tok/s'],
    [312.45, 'watts', '312 W'],
    [71, 'celsius', '71 °C'],
    [3, 'count', '3'],
    [1.234, 'load', '1.23'],
  ] as const)('%s %s -> %s', (v, unit, text) => {
    expect(formatMetric(v, unit)).toBe(text);
  });
});
