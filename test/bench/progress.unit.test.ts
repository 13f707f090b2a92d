import { progressLine } from '../../bench/progress';
import { runPool, withTimeout } from '../../bench/pool';

describe('progressLine', () => {
  it('shows step, label and a bar', () => {
    expect(progressLine(2, 7, 'saga x1', 5, 20, 'orders')).toBe(
      '[2/7] saga x1 [#####...............] 5/20 orders',
    );
    expect(progressLine(1, 7, 'servers', undefined, undefined, 'kafka')).toBe(
      '[1/7] servers kafka',
    );
  });
});

describe('runPool', () => {
  it('runs every index with bounded concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool(10, 3, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
  });

  it('rejects with the first failure and starts nothing new', async () => {
    const started: number[] = [];
    await expect(
      runPool(10, 1, (i) => {
        started.push(i);
        return i === 2 ? Promise.reject(new Error('boom')) : Promise.resolve();
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([0, 1, 2]);
  });

  it('withTimeout bounds a step', async () => {
    await expect(withTimeout(new Promise(() => undefined), 5, 'x')).rejects.toThrow(
      'x did not finish',
    );
    await expect(withTimeout(Promise.resolve(1), 5, 'x')).resolves.toBe(1);
  });
});
