import type { Client } from '@temporalio/client';
import type { Consumer } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import type { EventActivities } from '../activities/events/api';
import { EVENT_HEADERS } from '../contracts/event-envelope';
import { createLogger } from '../lib/logger';
import { startInProcessSystem } from '../system/in-process';
import { BENCH_WORKFLOWS_PATH } from './bundle';
import type { CommitMark, ObservedEvent } from './lag';
import type { Phases } from './phases';
import type { BenchServers } from './servers';

// The whole system in this process (system/in-process.ts, as the end-to-end tests run it, but
// with each projector on a thread of its own), with N order workers and N projectors, counters of
// what each instance did, and an observer of the topic for the projection lag.

export const PARTITIONS = 3;

export interface BenchSystem {
  apiUrl: string;
  namespace: string;
  topic: string;
  readDb: string;
  temporal: Client;
  mongo: MongoClient;
  jwtSecret: string;
  /** Per order-worker instance: event-publishing activities it ran (one or more events each). */
  orderWorkerTasks: number[];
  /** Per projector instance: partitions it committed chunks of, and events it applied. */
  projectorShares: { partitions: Set<number>; applied: number }[];
  /** For projection lag: events seen on the topic and the projectors' commits. */
  observed: ObservedEvent[];
  commits: CommitMark[];
  /** Zeroes the per-instance counters (orderWorkerTasks, projectorShares). */
  resetCounters(): void;
  stop(): Promise<void>;
}

export interface BenchSystemOptions {
  servers: BenchServers;
  name: string;
  orderWorkers: number;
  projectors: number;
  /** Marks the start-up's phases (resources, bundle, workers, projectors, api, observer). */
  phases?: Phases;
}

/** Counts each publishing activity run (one or several events). */
function countingActivities(inner: EventActivities, count: () => void): EventActivities {
  return {
    publishOrderEvent: async (draft) => {
      count();
      await inner.publishOrderEvent(draft);
    },
    publishOrderEvents: async (drafts) => {
      count();
      await inner.publishOrderEvents(drafts);
    },
  };
}

/** Records when each event occurred, from its ce_time header, by partition and offset. */
async function startObserver(
  consumer: Consumer,
  topic: string,
  observed: ObservedEvent[],
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      const time = message.headers?.[EVENT_HEADERS.time];
      const occurredAt = Date.parse(String(Array.isArray(time) ? time[0] : time));
      if (Number.isFinite(occurredAt))
        observed.push({
          partition,
          offset: Number(message.offset),
          occurredAt,
          sentAt: Number(message.timestamp),
        });
      return Promise.resolve();
    },
  });
}

export async function startBenchSystem(options: BenchSystemOptions): Promise<BenchSystem> {
  const orderWorkerTasks: number[] = Array.from({ length: options.orderWorkers }, () => 0);
  const projectorShares: BenchSystem['projectorShares'] = Array.from(
    { length: options.projectors },
    () => ({ partitions: new Set<number>(), applied: 0 }),
  );
  const commits: CommitMark[] = [];
  const system = await startInProcessSystem({
    servers: options.servers,
    name: `bench-${options.name}`,
    logger: createLogger(`bench-${options.name}`, process.env.BENCH_LOG_LEVEL ?? 'fatal'),
    partitions: PARTITIONS,
    // The load generator keeps many of one customer's orders in flight.
    maxOpenOrdersPerCustomer: 1_000_000,
    orderWorkers: options.orderWorkers,
    projectors: options.projectors,
    workflowsPath: BENCH_WORKFLOWS_PATH,
    orderWorkerEvents: (i, events) => countingActivities(events, () => orderWorkerTasks[i]++),
    // Each projector on its own event loop, as it is a process of its own when deployed.
    projectorThreads: true,
    onProjectorProgress: (i, { partition, offset, counts, at }) => {
      commits.push({ partition, offset: Number(offset), at });
      projectorShares[i].partitions.add(partition);
      projectorShares[i].applied += counts.applied;
    },
    onStarted: (step) => options.phases?.mark(step),
  });

  // Subscribed from the beginning, so it sees every event whenever it joins.
  const observed: ObservedEvent[] = [];
  const observer = system.kafka.consumer({ groupId: `bench-observer.${system.topic}` });
  try {
    await startObserver(observer, system.topic, observed);
  } catch (error) {
    await system.stop();
    throw error;
  }
  options.phases?.mark('observer');

  return {
    apiUrl: system.apiUrl,
    namespace: system.namespace,
    topic: system.topic,
    readDb: system.dbs.read,
    temporal: system.temporal,
    mongo: system.mongo,
    jwtSecret: system.jwtSecret,
    orderWorkerTasks,
    projectorShares,
    observed,
    commits,
    resetCounters() {
      orderWorkerTasks.fill(0);
      for (const share of projectorShares) {
        share.partitions.clear();
        share.applied = 0;
      }
    },
    async stop() {
      // Together: the observer's disconnect waits out its fetch in flight (up to 5 s).
      await Promise.allSettled([observer.disconnect(), system.stop()]);
    },
  };
}
