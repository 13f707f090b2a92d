import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import type { LogEntry } from 'kafkajs';
import pino from 'pino';
import { createKafka } from '../../lib/kafka';
import { kafkaLogCreator, STARTUP_NOISE_BOUND_MS } from '../../lib/kafka-log';

// kafkajs's errors of a broker's normal start-up (coordinator loading, no leader yet) are logged
// at debug, and reported only when they outlast the bound; other errors keep their level.

const LOADING = "The coordinator is loading and hence can't process requests for this group";

function capture() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
}

function kafkajsLog(options: { now: () => number }) {
  const { lines, logger } = capture();
  const write = kafkaLogCreator(logger, options)(logLevel.WARN);
  const log = (level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
    write({
      namespace: 'Connection',
      level,
      label: 'ERROR',
      log: { timestamp: new Date().toISOString(), message, ...extra },
    } satisfies LogEntry);
  return { lines, log };
}

const levels = (lines: { level: number }[]) => lines.map((l) => l.level);

it('a coordinator still loading is logged at debug while it lasts less than the bound', () => {
  let now = 0;
  const { lines, log } = kafkajsLog({ now: () => now });
  for (now = 0; now < STARTUP_NOISE_BOUND_MS; now += 5_000)
    log(logLevel.ERROR, 'Response FindCoordinator(key: 10, version: 2)', { error: LOADING });
  expect(levels(lines)).toEqual(lines.map(() => 20));
  expect(lines[0]).toMatchObject({ startupNoise: 'GROUP_LOAD_IN_PROGRESS', error: LOADING });
});

it('is reported as a warning once it persists beyond the bound', () => {
  let now = 0;
  const { lines, log } = kafkajsLog({ now: () => now });
  for (now = 0; now <= 35_000; now += 5_000)
    log(logLevel.ERROR, 'Response JoinGroup(key: 11, version: 5)', { error: LOADING });
  expect(levels(lines)).toEqual([20, 20, 20, 20, 20, 20, 40, 40]);
  expect(lines[6]).toMatchObject({
    msg: 'Response JoinGroup(key: 11, version: 5) (still failing after 30 s)',
    persistedMs: 30_000,
  });
});

it('a new streak starts when the error had stopped for longer than the bound', () => {
  let now = 0;
  const { lines, log } = kafkajsLog({ now: () => now });
  log(logLevel.ERROR, 'Response FindCoordinator', {
    error: 'The group coordinator is not available',
  });
  now = 31_000;
  log(logLevel.ERROR, 'Response FindCoordinator', {
    error: 'The group coordinator is not available',
  });
  expect(levels(lines)).toEqual([20, 20]);
});

it.each([
  [
    'Response Metadata',
    {
      error:
        'There is no leader for this topic-partition as we are in the middle of a leadership election',
    },
  ],
  ['Response FindCoordinator', { error: 'This is not the correct coordinator for this group' }],
  ['Crash: KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator', {}],
])('%s is start-up noise', (message, extra) => {
  const { lines, log } = kafkajsLog({ now: () => 0 });
  log(logLevel.ERROR, message, extra);
  expect(levels(lines)).toEqual([20]);
});

it("a consumer's restart after a start-up crash is noise too; after another crash it is not", () => {
  const { lines, log } = kafkajsLog({ now: () => 0 });
  log(logLevel.ERROR, `Crash: KafkaJSNumberOfRetriesExceeded: ${LOADING}`);
  log(logLevel.ERROR, 'Restarting the consumer in 300ms');
  log(logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Topic authorization failed');
  log(logLevel.ERROR, 'Restarting the consumer in 300ms');
  expect(levels(lines)).toEqual([20, 20, 50, 50]);
});

it('other errors and warnings keep their level; INFO chatter goes to debug', () => {
  const { lines, log } = kafkajsLog({ now: () => 0 });
  log(logLevel.ERROR, 'Response Produce', { error: 'Topic authorization failed' });
  log(logLevel.WARN, 'The group is rebalancing, re-joining');
  log(logLevel.INFO, 'Starting');
  expect(levels(lines)).toEqual([50, 40, 20]);
});

it('createKafka logs kafkajs through it', () => {
  const { lines, logger } = capture();
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', logger });
  kafka.logger().error('Response InitProducerId(key: 22, version: 1)', { error: LOADING });
  kafka.logger().error('Response Produce', { error: 'Topic authorization failed' });
  expect(lines.map((l) => [l.level, l.component, l.startupNoise])).toEqual([
    [20, 'kafkajs', 'GROUP_LOAD_IN_PROGRESS'],
    [50, 'kafkajs', undefined],
  ]);
});
