import fc from 'fast-check';
import { percentile, perSecond, summarize } from '../../bench/stats';

describe('percentile (nearest rank)', () => {
  it('picks measured samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it('is a sample, monotone in p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: 0, max: 1e6 }), { minLength: 1 }),
        (xs) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const ps = [0, 50, 95, 99, 100].map((p) => percentile(sorted, p));
          expect(ps.every((v) => xs.includes(v))).toBe(true);
          expect([...ps].sort((a, b) => a - b)).toEqual(ps);
        },
      ),
    );
  });
});

describe('summarize / perSecond', () => {
  it('summarizes unsorted samples', () => {
    expect(summarize([3, 1, 2])).toEqual({ count: 3, mean: 2, p50: 2, p95: 3, p99: 3, max: 3 });
  });

  it('guards zero intervals', () => {
    expect(perSecond(10, 2000)).toBe(5);
    expect(perSecond(10, 0)).toBe(0);
  });
});
