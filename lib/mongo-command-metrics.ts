import type { CommandStartedEvent, MongoClient } from 'mongodb';
import type { Registry } from 'prom-client';
import { processCounter, type ProcessMetrics } from './process-counter';

// MongoDB commands a process sends, by database, collection and command, from the driver's
// command monitoring: the cost of an order in round trips (issue 24), on every registry that
// carries it. The client must be created with `monitorCommands: true` (mongoClientOptions in
// lib/connections.ts sets it): the driver decides per connection, when it opens one.

export const MONGO_COMMANDS_METRIC = 'mongodb_commands_total';

const LABELS = ['database', 'collection', 'command'] as const;
/**
 * What the driver sends on its own, not for the application: connection handshakes and
 * authentication, server monitoring and liveness pings, session clean-up on close.
 */
const NOT_COUNTED: ReadonlySet<string> = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'saslStart',
  'saslContinue',
  'authenticate',
  'endSessions',
]);

/** The collection a command targets: `getMore` names it under `collection`, the others under their own name. */
export function commandCollection(commandName: string, command: Record<string, unknown>): string {
  const target = commandName === 'getMore' ? command.collection : command[commandName];
  return typeof target === 'string' ? target : '';
}

const HELP =
  'MongoDB commands sent by this process, by database, target collection (empty when the command names none) and command; handshakes, authentication, pings and endSessions are not counted.';

/** Where the commands are counted (lib/process-counter.ts). */
export type MongoCommandMetrics = ProcessMetrics;

/** Counts every application command `client` sends as `mongodb_commands_total` on `metrics`. */
export function countMongoCommands(client: MongoClient, metrics: MongoCommandMetrics): void {
  if (!client.options.monitorCommands)
    throw new Error('countMongoCommands: the MongoClient needs monitorCommands: true');
  const count = processCounter(metrics, {
    name: MONGO_COMMANDS_METRIC,
    help: HELP,
    labelNames: LABELS,
  });
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (NOT_COUNTED.has(event.commandName)) return;
    count({
      database: event.databaseName,
      collection: commandCollection(event.commandName, event.command),
      command: event.commandName,
    });
  });
}

/** One row of the counter: commands sent to a collection of a database. */
export interface MongoCommandCount {
  database: string;
  collection: string;
  command: string;
  count: number;
}

/** The counter's rows on `registry` (none when nothing was counted there). */
export async function mongoCommandCounts(registry: Registry): Promise<MongoCommandCount[]> {
  const metric = registry.getSingleMetric(MONGO_COMMANDS_METRIC);
  if (!metric) return [];
  const { values } = await metric.get();
  return values.map(({ labels, value }) => ({
    database: String(labels.database ?? ''),
    collection: String(labels.collection ?? ''),
    command: String(labels.command ?? ''),
    count: value,
  }));
}
