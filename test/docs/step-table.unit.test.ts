import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVITY_STEPS, SAGA_STEP_TABLE } from '../../workflows/saga-steps';

// docs/architecture.md shows the saga's step table; it must stay true to the one in the code
// (workflows/saga-steps.ts): each step's activity, event, undo, undo event and failures.

const architecture = readFileSync(join(__dirname, '..', '..', 'docs', 'architecture.md'), 'utf8');

/** The documented table's rows by step: its cells, as the `code` spans each holds. */
function documentedRows(): Map<string, string[][]> {
  const start = architecture.indexOf('## The saga as a table of steps');
  const lines = architecture.slice(start).split('\n');
  const table = lines.slice(lines.findIndex((l) => l.startsWith('| step')));
  const rows = table.slice(
    2,
    table.findIndex((l) => !l.startsWith('|')),
  );
  return new Map(
    rows.map((row) => {
      const cells = row.split('|').slice(1, -1);
      const codes = cells.map((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
      return [codes[0][0], codes.slice(1)];
    }),
  );
}

it('documents every step of the table, in its order, with the approval between', () => {
  expect([...documentedRows().keys()]).toEqual([
    ACTIVITY_STEPS[0],
    'approval',
    ...ACTIVITY_STEPS.slice(1),
  ]);
});

it.each(ACTIVITY_STEPS)(
  '%s: activity, event, undo, undo event and failures as declared',
  (step) => {
    const [activities, events, undo, undoEvents, failures] = documentedRows().get(step) ?? [];
    const declared = SAGA_STEP_TABLE[step];
    expect(activities[0]).toBe(declared.activity);
    expect(events[0]).toBe(declared.event);
    expect(undo).toEqual(declared.undo ? [declared.undo.activity] : []);
    expect(undoEvents).toEqual(declared.undo ? [declared.undo.event] : []);
    for (const [type, reason] of Object.entries(declared.failures))
      expect(failures.join(' ')).toContain(`${type} ${reason}`);
    if (declared.failureEvent) expect(failures).toContain(declared.failureEvent);
  },
);
