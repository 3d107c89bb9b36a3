import { describe, expect, it } from 'vitest';
import { INVALID_ARGS } from '../../electron/core/chat/protocols/openai-client';
import { evaluate } from '../../electron/core/chat/tools/arithmetic';
import { runTool } from '../../electron/core/chat/tools/demo-tools';

describe('safe arithmetic', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 10', 1024],
    ['-2 ^ 2', -4],
    ['10 % 4', 2],
    ['5000 * 1.06 ^ 3', 5955.08],
    ['sqrt(16) + abs(-3)', 7],
    ['pi * 5 ^ 2', Math.PI * 25],
    ['1.5e3 / 3', 500],
    ['12 × 3 ÷ 4', 9],
  ])('%s = %d', (expr, value) => {
    expect(evaluate(expr)).toBeCloseTo(value, 6);
  });

  it.each([
    ['process.exit(1)', /malformed number at position 8/],
    ['x => x', /unexpected the character "="/],
    ['constructor', /Unknown name "constructor"/],
    ['__proto__', /Unknown name "__proto__"/],
    ['1 / 0', /Division by zero/],
    ['(1 + 2', /end of expression/],
    ['1 +', /end of expression/],
    ['2 3', /unexpected "3"/],
    ['', /Empty expression/],
    ['a'.repeat(600), /longer than 500/],
    ['('.repeat(200) + '1' + ')'.repeat(200), /nested too deeply/],
    ['10 ^ 400', /not a finite number/],
  ])('rejects %s', (expr, message) => {
    expect(() => evaluate(expr)).toThrow(message);
  });
});

describe('demo tools', () => {
  const enabled = ['calculate_circle_area', 'calculate', 'get_current_time'] as const;

  it('calculates a circle area, accepting a number sent as a string', () => {
    expect(JSON.parse(runTool({ id: '1', name: 'calculate_circle_area', arguments: { radius: 5 } }, enabled).content)).toEqual({
      radius: 5,
      area: 78.539816,
    });
    expect(runTool({ id: '1', name: 'calculate_circle_area', arguments: { radius: '2' } }, enabled).ok).toBe(true);
  });

  it('reports bad arguments, unknown tools, disabled tools and unparsable JSON as results', () => {
    const bad = runTool({ id: '1', name: 'calculate_circle_area', arguments: { r: 5 } }, enabled);
    expect(bad.ok).toBe(false);
    expect(bad.content).toContain('radius');
    expect(JSON.parse(runTool({ id: '1', name: 'rm_rf', arguments: {} }, enabled).content).error).toContain('Unknown tool "rm_rf"');
    expect(runTool({ id: '1', name: 'calculate', arguments: { expression: '1+1' } }, ['get_current_time']).ok).toBe(false);
    const raw = runTool({ id: '1', name: 'calculate', arguments: { [INVALID_ARGS]: '{"expression": ' } }, enabled);
    expect(raw.content).toContain('not valid JSON');
    expect(runTool({ id: '1', name: 'calculate', arguments: { expression: '2 +' } }, enabled).content).toContain('end of expression');
  });

  it('tells the time in a requested zone and rejects an unknown zone', () => {
    const now = new Date('2025-03-01T12:00:00Z');
    const r = JSON.parse(runTool({ id: '1', name: 'get_current_time', arguments: { timezone: 'Asia/Tokyo' } }, enabled, now).content);
    expect(r.iso).toBe('2025-03-01T12:00:00.000Z');
    expect(r.local).toContain('21:00:00');
    expect(runTool({ id: '1', name: 'get_current_time', arguments: { timezone: 'Mars/Olympus' } }, enabled, now).content).toContain('Unknown time zone');
  });
});
