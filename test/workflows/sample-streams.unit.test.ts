import { recordedPaths } from '../../testing/recorded-paths';
import { sagaDrafts } from '../../testing/sample-streams';
import { comparable, loadHistory, publishedDrafts } from './recorded-histories';

// The one event-stream builder (testing/sample-streams.ts) against what the workflow published
// on each recorded path. Generation 1 published every event as an activity, so its histories
// keep each event's payload; events have gained fields since (who decided, and their note), so
// the builder's stream must hold every recorded field, and may hold more. The time-skipping
// test (recorded-paths.workflow.test.ts) compares it, exactly, with a run of today's workflow.

describe.each(recordedPaths().map((p) => [p.name, p] as const))('%s', (_name, path) => {
  it('is the stream the recorded workflow published, field for field', () => {
    const recorded = publishedDrafts(loadHistory('1-publish-activities', path.name));
    const built = sagaDrafts({ ...path.stream, startMs: 0 });
    expect(recorded.length).toBeGreaterThan(2);
    expect(built.map(comparable)).toMatchObject(recorded.map(comparable));
  });
});
