import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../electron/core/metrics/ring-buffer';

const row = (o: Record<string, number | null>) => new Map(Object.entries(o));

describe('RingBuffer', () => {
  it('keeps the newest `capacity` rows, oldest first', () => {
    const b = new RingBuffer(3);
    for (let t = 1; t <= 5; t++) b.push(t * 1000, row({ cpu: t * 10 }));
    expect(b.length).toBe(3);
    expect(b.timestamps()).toEqual([3000, 4000, 5000]);
    expect(b.values('cpu')).toEqual([30, 40, 50]);
    expect(b.last('cpu')).toBe(50);
  });

  it('a series missing from a row, null or NaN is a gap; a new series has gaps before it appeared', () => {
    const b = new RingBuffer(10);
    b.push(1000, row({ cpu: 1 }));
    b.push(2000, row({ cpu: null, gpu: 5 }));
    b.push(3000, row({ gpu: NaN }));
    expect(b.values('cpu')).toEqual([1, null, null]);
    expect(b.values('gpu')).toEqual([null, 5, null]);
    expect(b.last('gpu')).toBeNull();
    expect(b.values('unknown')).toEqual([null, null, null]);
  });

  it('a window keeps only rows within that many ms of the newest', () => {
    const b = new RingBuffer(100);
    for (let t = 0; t < 10; t++) b.push(t * 1000, row({ x: t }));
    expect(b.timestamps(3000)).toEqual([7000, 8000, 9000]);
    expect(b.values('x', 3000)).toEqual([7, 8, 9]);
    expect(b.timestamps(60_000)).toHaveLength(10);
  });

  it('drops a series only after a whole buffer of gaps', () => {
    const b = new RingBuffer(3);
    b.push(1, row({ gone: 1, stays: 1 }));
    b.push(2, row({ stays: 1 }));
    b.push(3, row({ stays: 1 }));
    expect(b.prune()).toEqual([]);
    b.push(4, row({ stays: 1 }));
    expect(b.prune()).toEqual(['gone']);
    expect(b.ids()).toEqual(['stays']);
  });

  it('matches a plain array model for any sequence of pushes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ a: fc.option(fc.integer(), { nil: null }), b: fc.option(fc.integer(), { nil: undefined }) }), { maxLength: 60 }),
        (cap, rows) => {
          const buf = new RingBuffer(cap);
          const model: { t: number; a: number | null; b: number | null }[] = [];
          rows.forEach((r, i) => {
            const m = new Map<string, number | null>([['a', r.a]]);
            if (r.b !== undefined) m.set('b', r.b);
            buf.push(i, m);
            model.push({ t: i, a: r.a, b: r.b ?? null });
          });
          const tail = model.slice(-cap);
          expect(buf.timestamps()).toEqual(tail.map((x) => x.t));
          expect(buf.values('a')).toEqual(tail.map((x) => x.a));
          if (buf.has('b')) expect(buf.values('b')).toEqual(tail.map((x) => x.b));
        },
      ),
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
