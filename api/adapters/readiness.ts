import type { Client } from '@temporalio/client';
import type { Kafka, Admin } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { withDeadline } from '../../lib/deadline';
import type { DependencyName, ProbeResult, Readiness } from '../ports';

const PROBE_TIMEOUT_MS = 2000;

async function probe(name: DependencyName, fn: () => Promise<unknown>): Promise<ProbeResult> {
  try {
    await withDeadline(`${name} probe`, PROBE_TIMEOUT_MS, fn);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Readiness over the real clients: the API's Temporal namespace (a server that answers but lacks
 * the namespace cannot start a saga), Kafka metadata, a Mongo ping.
 */
export function createReadiness(clients: {
  temporal: Client;
  mongo: MongoClient;
  kafka: Kafka;
}): Readiness & {
  close(): Promise<void>;
} {
  let admin: Admin | undefined;
  async function kafkaProbe() {
    // The admin connection is kept between probes; after a failure it is rebuilt.
    try {
      if (!admin) {
        // No retries: a probe answers now; the next probe tries again.
        admin = clients.kafka.admin({ retry: { retries: 0 } });
        await admin.connect();
      }
      await admin.describeCluster();
    } catch (err) {
      const stale = admin;
      admin = undefined;
      await stale?.disconnect().catch(() => undefined);
      throw err;
    }
  }
  return {
    check: () =>
      Promise.all([
        probe('temporal', () =>
          clients.temporal.workflowService.describeNamespace({
            namespace: clients.temporal.options.namespace,
          }),
        ),
        probe('kafka', kafkaProbe),
        probe('mongodb', () => clients.mongo.db('admin').command({ ping: 1 })),
      ]),
    async close() {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
