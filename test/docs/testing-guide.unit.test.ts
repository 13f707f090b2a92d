import { readFileSync } from 'node:fs';
import path from 'node:path';

// docs/testing.md shows an example test; the suite runs the file it shows. They must not drift.

const root = path.resolve(__dirname, '../..');

it('docs/testing.md shows the example test exactly as the suite runs it', () => {
  const doc = readFileSync(path.join(root, 'docs/testing.md'), 'utf8');
  const shown = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(doc);
  expect(shown).not.toBeNull();
  expect(shown?.[1]).toBe(
    readFileSync(
      path.join(root, 'test/workflows/example-approval-timeout.workflow.test.ts'),
      'utf8',
    ),
  );
});
