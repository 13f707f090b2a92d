import { EventEmitter } from 'node:events';
import type { MetricMeter } from '@temporalio/common';
import type { MongoClient } from 'mongodb';
import { countMongoCommands, MONGO_COMMANDS_METRIC } from '../../lib/mongo-command-metrics';

// A worker process counts its MongoDB commands on its Temporal runtime's meter (served on
// WORKER_METRICS_ADDRESS): the same labels as on a registry, driver chatter left out.

it("counts a client's commands on a Temporal meter, without the driver's own", () => {
  const client = Object.assign(new EventEmitter(), { options: { monitorCommands: true } });
  const created: string[] = [];
  const added: [number, Record<string, unknown> | undefined][] = [];
  const meter = {
    createCounter: (name: string) => {
      created.push(name);
      return { add: (n: number, tags?: Record<string, unknown>) => added.push([n, tags]) };
    },
  } as unknown as MetricMeter;
  countMongoCommands(client as unknown as MongoClient, meter);
  const started = (commandName: string, command: Record<string, unknown>) =>
    client.emit('commandStarted', { commandName, command, databaseName: 'payments' });
  started('findAndModify', { findAndModify: 'payments' });
  started('hello', { hello: 1 });
  started('getMore', { getMore: 1, collection: 'ledger' });
  expect(created).toEqual([MONGO_COMMANDS_METRIC]);
  expect(added).toEqual([
    [1, { database: 'payments', collection: 'payments', command: 'findAndModify' }],
    [1, { database: 'payments', collection: 'ledger', command: 'getMore' }],
  ]);
});
