import { projectionLags } from '../../bench/lag';

describe('projectionLags', () => {
  it('uses the first commit covering each offset, per partition', () => {
    const events = [
      { partition: 0, offset: 0, occurredAt: 100 },
      { partition: 0, offset: 1, occurredAt: 110 },
      { partition: 0, offset: 2, occurredAt: 120 },
      { partition: 1, offset: 0, occurredAt: 100 },
      { partition: 2, offset: 0, occurredAt: 100 },
    ];
    const marks = [
      { partition: 0, offset: 1, at: 150 },
      { partition: 0, offset: 2, at: 200 },
      { partition: 1, offset: 0, at: 130 },
    ];
    // Partition 2 was never committed: left out rather than guessed.
    expect(projectionLags(events, marks)).toEqual([50, 40, 80, 30]);
  });

  it("measured from when each event was sent, it is the projector's own share", () => {
    const events = [
      { partition: 0, offset: 0, occurredAt: 100, sentAt: 130 },
      { partition: 0, offset: 1, occurredAt: 110, sentAt: 170 },
    ];
    const marks = [{ partition: 0, offset: 1, at: 200 }];
    expect(projectionLags(events, marks)).toEqual([100, 90]);
    expect(projectionLags(events, marks, (e) => e.sentAt ?? e.occurredAt)).toEqual([70, 30]);
  });

  it('a later re-commit of a lower offset (rebalance) does not delay coverage', () => {
    const events = [{ partition: 0, offset: 0, occurredAt: 0 }];
    const marks = [
      { partition: 0, offset: 5, at: 10 },
      { partition: 0, offset: 0, at: 99 },
    ];
    expect(projectionLags(events, marks)).toEqual([10]);
  });

  it('never reports a negative lag (clock granularity)', () => {
    expect(
      projectionLags(
        [{ partition: 0, offset: 0, occurredAt: 10 }],
        [{ partition: 0, offset: 0, at: 9 }],
      ),
    ).toEqual([0]);
  });
});
