import { Writable } from 'node:stream';
import pino from 'pino';
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
