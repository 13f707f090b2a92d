import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as messages from '../../workflows/messages';

// docs/testing.md shows example tests; the suite runs the files it shows. They must not drift.

const root = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const guide = read('docs/testing.md');

it('docs/testing.md shows the example test exactly as the suite runs it', () => {
  const shown = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(guide);
  expect(shown).not.toBeNull();
  expect(shown?.[1]).toBe(read('test/workflows/example-approval-timeout.workflow.test.ts'));
});

/** `<!-- example: <file>#<region> -->` followed by a ts block: the block and the region's code. */
const regionExamples = [
  ...guide.matchAll(/<!-- example: (\S+)#(\S+) -->\s*```ts\n([\s\S]*?)```/g),
].map(([, file, region, block]) => {
  const inFile = new RegExp(`// #region ${region}\\n([\\s\\S]*?)// #endregion`).exec(read(file));
  return { at: `${file}#${region}`, block, code: inFile?.[1] };
});

it('docs/testing.md shows each example region exactly as the suite runs it', () => {
  expect(regionExamples.length).toBeGreaterThanOrEqual(6);
  for (const { at, block, code } of regionExamples) expect([at, block]).toEqual([at, code]);
});

it("docs/testing.md shows how to send each of the saga's updates", () => {
  const updates = Object.keys(messages).filter((name) => name.endsWith('Update'));
  expect(updates.length).toBeGreaterThanOrEqual(5);
  const shownCode = regionExamples.map((e) => e.block).join('\n');
  for (const update of updates)
    expect([update, shownCode]).toEqual([
      update,
      expect.stringContaining(`executeUpdate(${update}`),
    ]);
});

it('docs/testing.md says what an override returns, that gates open at test end, and when compensations are registered', () => {
  expect(guide).toMatch(
    /override \*\*replaces\*\* the fake[\s\S]*must return the activity's result/,
  );
  expect(guide).toMatch(/Every gate still shut when a test ends, passed or failed, is opened/);
  expect(guide).toMatch(/registers its compensation _before_ it runs/);
});
