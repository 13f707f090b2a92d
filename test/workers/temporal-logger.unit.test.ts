import { Writable } from 'node:stream';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { temporalLogger } from '../../workers/run-worker';

// The SDK logs an activity failure with the Error under `meta.error`; it must reach the log
// with its message and type (pino serializes errors only under `err`).
it('logs the SDK error of a failed activity with its message', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = temporalLogger(pino({ level: 'info' }, sink));
  logger.warn('Activity failed', {
    activityType: 'reserveInventory',
    error: new Error('stock:SKU-1 is busy; try again'),
  });
  const entry = JSON.parse(lines[0]) as { err?: { message?: string; type?: string } };
  expect(entry).toMatchObject({
    msg: 'Activity failed',
    activityType: 'reserveInventory',
    temporal: true,
    err: { type: 'Error', message: 'stock:SKU-1 is busy; try again' },
  });
  expect(entry).not.toHaveProperty('error');
});

describe('business outcomes and unexpected failures', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: temporalLogger(pino({ level: 'info' }, sink)) };
  };

  it.each([
    ['PaymentDeclined', 'authorizePayment', 'card declined'],
    ['UnknownSku', 'priceOrder', 'unknown SKU NOPE'],
  ])('a %s failure is logged at info without a stack', (type, activityType, message) => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', {
      activityType,
      error: ApplicationFailure.create({ type, message, nonRetryable: true }),
    });
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'Activity failed',
      activityType,
      failure: { type, message },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('an unexpected error keeps its level and stack', () => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', { error: new TypeError('undefined is not a function') });
    expect(lines[0]).toMatchObject({ level: 40, err: { type: 'TypeError' } });
    expect((lines[0].err as { stack: string }).stack).toMatch(/TypeError: undefined is not/);
  });
});

describe("the SDK's expected start-up warnings", () => {
  const capture = (level: string) => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: temporalLogger(pino({ level }, sink)) };
  };
  const ACTIVITY_ONLY = 'No workflows registered, not polling for workflow tasks';

  it("an activity-only worker's 'No workflows registered' is logged at debug, not warn", () => {
    const { lines, logger } = capture('debug');
    logger.warn(ACTIVITY_ONLY, { sdkComponent: 'worker', taskQueue: 'payments' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, msg: ACTIVITY_ONLY, taskQueue: 'payments' }),
    ]);
  });

  it('is not shown at the default level, while other warnings still are', () => {
    const { lines, logger } = capture('info');
    logger.warn(ACTIVITY_ONLY, { sdkComponent: 'worker' });
    logger.warn('Activity heartbeat timed out', { sdkComponent: 'worker' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'Activity heartbeat timed out' }),
    ]);
  });
});
