import { createConditionWatch } from '../../lib/condition-watch';

describe('condition watch', () => {
  it('allows the limit from the start and from each confirmation, then reports once', () => {
    const watch = createConditionWatch('not a member of group g', 1_000, 0);
    expect(watch.observe(false, 900)).toBeUndefined(); // still joining
    expect(watch.observe(true, 1_500)).toBeUndefined();
    expect(watch.observe(false, 2_400)).toBeUndefined(); // 900 ms out
    const error = watch.observe(false, 2_600);
    expect(error?.message).toBe('not a member of group g for 1100 ms');
    expect(watch.observe(false, 9_000)).toBeUndefined(); // reported once
  });

  it('never reports a consumer that keeps being confirmed', () => {
    const watch = createConditionWatch('not a member of group g', 1_000, 0);
    for (let t = 0; t < 100_000; t += 500) expect(watch.observe(true, t)).toBeUndefined();
  });
});
