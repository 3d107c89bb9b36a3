import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopStringMatcher } from '../../electron/engine/stop-strings';

function run(stops: string[], deltas: string[]): { out: string; stopped: boolean; emitted: string[] } {
  const m = new StopStringMatcher(stops);
  const emitted: string[] = [];
  for (const d of deltas) {
    const r = m.push(d);
    emitted.push(r.text);
    if (r.stopped) return { out: emitted.join(''), stopped: true, emitted };
  }
  emitted.push(m.flush());
  return { out: emitted.join(''), stopped: false, emitted };
}

describe('StopStringMatcher', () => {
  it('stops on a string split across deltas and drops it', () => {
    const r = run(['o w'], ['Hel', 'lo', ' wor', 'ld']);
    expect(r).toMatchObject({ out: 'Hell', stopped: true });
  });

  it('holds back a possible start and releases it once ruled out', () => {
    const m = new StopStringMatcher(['END']);
    expect(m.push('the E')).toEqual({ text: 'the ', stopped: false });
    expect(m.push('N')).toEqual({ text: '', stopped: false });
    expect(m.push('D?')).toEqual({ text: '', stopped: true });
    const n = new StopStringMatcher(['END']);
    n.push('the EN');
    expect(n.push('TRY')).toEqual({ text: 'ENTRY', stopped: false });
  });

  it('cuts at the earliest of several stop strings', () => {
    expect(run(['c', 'ab'], ['xxabc'])).toMatchObject({ out: 'xx', stopped: true });
  });

  it('passes text through untouched without stop strings, and ignores empty ones', () => {
    expect(run([], ['a', 'b'])).toMatchObject({ out: 'ab', stopped: false });
    expect(run([''], ['a', 'b'])).toMatchObject({ out: 'ab', stopped: false });
  });

  it('returns held text at the end of the stream', () => {
    const m = new StopStringMatcher(['\n\nUser:']);
    expect(m.push('done\n\n').text).toBe('done');
    expect(m.flush()).toBe('\n\n');
  });

  it('output is exactly the text before the first stop string, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ') , maxLength: 40 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' '), minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 8 }),
        (text, stop, cuts) => {
          const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
          const deltas: string[] = [];
          let at = 0;
          for (const p of [...points, text.length]) {
            deltas.push(text.slice(at, p));
            at = p;
          }
          const r = run([stop], deltas);
          const i = text.indexOf(stop);
          expect(r.out).toBe(i === -1 ? text : text.slice(0, i));
          expect(r.stopped).toBe(i !== -1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
