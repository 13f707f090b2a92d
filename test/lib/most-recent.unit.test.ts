import { setMostRecent } from '../../lib/most-recent';

it('keeps at most `max` entries, dropping the least recently set first', () => {
  const map = new Map<string, number>();
  for (const key of ['a', 'b', 'c']) setMostRecent(map, key, 1, 3);
  setMostRecent(map, 'a', 2, 3); // a is now the most recent
  setMostRecent(map, 'd', 1, 3);
  expect([...map]).toEqual([
    ['c', 1],
    ['a', 2],
    ['d', 1],
  ]);
});
