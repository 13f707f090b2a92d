import path from 'node:path';
import { categoryOf, sampledWithin } from '../../bench/profile-summary';

// The CPU profile summary: what a sampled frame is counted as, and which samples count.

const ROOT = path.resolve(__dirname, '../..');
const frame = (url: string, functionName = 'f') => ({ url, functionName });

it('counts a frame for its package, project folder, the workflow bundle or Node', () => {
  expect(categoryOf(frame(`file://${ROOT}/node_modules/mongodb/lib/cursor.js`))).toBe('mongodb');
  expect(categoryOf(frame(`${ROOT}/node_modules/@temporalio/worker/lib/worker.js`))).toBe(
    '@temporalio/worker',
  );
  expect(categoryOf(frame(`file://${ROOT}/projections/runtime/projector.ts`))).toBe('projections/');
  expect(categoryOf(frame('/tmp/x/workflow-bundle-1a2b.js'))).toBe('workflow bundle (sandbox)');
  expect(categoryOf(frame('node:internal/streams/writable'))).toBe('node internals');
  expect(categoryOf(frame('', '(garbage collector)'))).toBe('garbage collector');
  expect(categoryOf(frame('', 'JSON.parse'))).toBeUndefined(); // a builtin: its caller's
});

it('sums the samples inside the window, a builtin for its caller, idle left out', () => {
  const profile = {
    startTime: 1_000,
    endTime: 9_000,
    nodes: [
      { id: 1, callFrame: frame('', '(root)'), children: [2, 4] },
      { id: 2, callFrame: frame(`${ROOT}/node_modules/kafkajs/src/producer.js`), children: [3] },
      { id: 3, callFrame: frame('', 'JSON.stringify') },
      { id: 4, callFrame: frame('', '(idle)') },
    ],
    // Samples at 2 000, 3 000, 5 000, 8 000 µs.
    samples: [3, 2, 4, 2],
    timeDeltas: [1_000, 1_000, 2_000, 3_000],
  };
  const ms = sampledWithin(profile, 2_500, 6_000);
  expect(Object.fromEntries(ms)).toEqual({ kafkajs: 1 });
  expect(Object.fromEntries(sampledWithin(profile, 0, 10_000))).toEqual({ kafkajs: 5 });
});
