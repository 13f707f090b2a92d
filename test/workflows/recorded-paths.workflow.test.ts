import { recordedPaths, runRecordedPath } from '../../testing/recorded-paths';
import type { SagaTestEnv } from '../../testing/saga-test-env';
import { sagaDrafts } from '../../testing/sample-streams';
import {
  asRecorded,
  commandsOf,
  comparable,
  LATEST_GENERATION,
  loadHistory,
} from './recorded-histories';
import { sagaTestEnvPerFile } from './saga-test-file';

// Each recorded path run again on today's workflow code. The replay test proves the recorded
// histories still replay; this one proves today's code commands exactly what the latest
// generation recorded (same activities, inputs, options, timers, search attributes, markers and
// result), so no new generation is needed, and that it publishes exactly the stream the one
// builder writes for the path (testing/sample-streams.ts).

let t: SagaTestEnv;
sagaTestEnvPerFile((env) => (t = env));

describe.each(recordedPaths().map((p) => [p.name, p] as const))('%s', (_name, path) => {
  it(`commands what ${LATEST_GENERATION} recorded, and publishes the builder's stream`, async () => {
    const { handle } = await runRecordedPath(t, path);
    const recorded = commandsOf(loadHistory(LATEST_GENERATION, path.name));
    expect(recorded.length).toBeGreaterThan(5);
    expect(commandsOf(asRecorded(await handle.fetchHistory()))).toEqual(recorded);

    const published = t.fakes.events(path.input.orderId).map(comparable);
    expect(published).toEqual(sagaDrafts({ ...path.stream, startMs: 0 }).map(comparable));
  });
});
