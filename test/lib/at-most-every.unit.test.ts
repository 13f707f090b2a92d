import { atMostEvery } from '../../lib/at-most-every';

it('runs at most once per interval; calls in between do nothing', async () => {
  let now = 1_000;
  let runs = 0;
  const prune = atMostEvery(
    60_000,
    () => now,
    () => Promise.resolve(void runs++),
  );
  await prune();
  await prune();
  expect(runs).toBe(1);
  now += 59_999;
  await prune();
  expect(runs).toBe(1);
  now += 1;
  await prune();
  expect(runs).toBe(2);
});
