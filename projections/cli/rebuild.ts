import type { Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import { Registry } from 'prom-client';
import { loadConfig } from '../../lib/config';
import { kafkaSecurity, mongoClientOptions } from '../../lib/connections';
import { createKafka } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { createLogger } from '../../lib/logger';
import { projectionConfigSchema } from '../runtime/config';
import type { PartitionLag } from '../runtime/lag';
import type { ActiveReadModels } from '../store/pointers';
import {
  generationReadModels,
  readActiveReadModels,
  switchActiveReadModels,
} from '../store/pointers';
import { startProjector } from '../runtime/projector';

// Rebuild (`npm run projections:rebuild`): replays the topic from its start into a new
// generation of collections with a consumer group of its own, while the live read models keep
// serving, then flips the pointer once caught up. Running projectors follow the pointer and
// continue from the rebuild group's offsets. The old collections are left in place (drop them
// once satisfied; they are named in the output) so a bad rebuild can be switched back.

export interface RebuildProgress {
  applied: number;
  eventsPerSecond: number;
  partitions: PartitionLag[];
}

export interface RebuildResult {
  previous: ActiveReadModels;
  next: ActiveReadModels;
  applied: number;
  seconds: number;
  switched: boolean;
}

export async function rebuildReadModels(options: {
  kafka: Kafka;
  db: Db;
  logger: Logger;
  topic: string;
  /** Names the generation; a clock is passed in so tests control it. */
  now: () => Date;
  onProgress?: (progress: RebuildProgress) => void;
  pollMs?: number;
  /** Leave the pointer alone (to compare read models first). */
  switchWhenDone?: boolean;
}): Promise<RebuildResult> {
  const previous = await readActiveReadModels(options.db);
  const next = generationReadModels(`v${options.now().getTime()}`);
  const started = Date.now();
  let applied = 0;
  const projector = await startProjector({
    kafka: options.kafka,
    db: options.db,
    logger: options.logger,
    registry: new Registry(),
    readModels: next,
    topic: options.topic,
    // Events dead-lettered live are already in the DLT; a replay must not park them twice.
    deadLetters: { mode: 'count-only' },
    onProgress: ({ counts }) => {
      applied += counts.applied;
    },
  });
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
      const partitions = await projector.lag();
      const seconds = (Date.now() - started) / 1000;
      options.onProgress?.({ applied, eventsPerSecond: applied / seconds, partitions });
      if (partitions.every((p) => p.lag === 0)) break;
    }
  } finally {
    await projector.stop();
  }
  const switched =
    options.switchWhenDone === false
      ? false
      : await switchActiveReadModels(options.db, next, previous.generation, options.now());
  return { previous, next, applied, seconds: (Date.now() - started) / 1000, switched };
}

async function main(): Promise<void> {
  const config = loadConfig(projectionConfigSchema);
  const logger = createLogger(
    'projections-rebuild',
    config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
  );
  const mongo = await MongoClient.connect(config.MONGO_URL, mongoClientOptions(config));
  try {
    const result = await rebuildReadModels({
      kafka: createKafka({
        brokers: config.KAFKA_BROKERS,
        clientId: 'order-projections-rebuild',
        logger,
        security: kafkaSecurity(config),
      }),
      db: mongo.db(config.READ_DB),
      logger,
      topic: config.ORDER_EVENTS_TOPIC,
      now: () => new Date(),
      onProgress: ({ applied, eventsPerSecond, partitions }) => {
        const position = partitions
          .map((p) => `p${p.partition} ${p.committed}/${p.end}`)
          .join('  ');
        process.stdout.write(
          `\r${applied} events applied, ${eventsPerSecond.toFixed(0)} events/s  ${position}   `,
        );
      },
    });
    process.stdout.write('\n');
    const names = (r: ActiveReadModels) => Object.values(r.collections).join(', ');
    console.log(
      result.switched
        ? `switched reads to ${names(result.next)} (group ${result.next.groupId}) after ${result.seconds.toFixed(1)}s`
        : `built ${names(result.next)} but another rebuild switched first; nothing changed`,
    );
    console.log(`previous collections kept: ${names(result.previous)}`);
  } finally {
    await mongo.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
