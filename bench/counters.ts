import { MONGO_COMMANDS_METRIC } from '../lib/mongo-command-metrics';
import { KAFKA_REQUESTS_METRIC } from '../lib/kafka-request-metrics';
import { ACTIVATIONS_METRIC } from './activation-counter';
import type { Registry } from 'prom-client';
import { parseExposition, type Sample, sumBy } from './prometheus';

// The counters of a cost snapshot (bench/cost.ts) from a process's exposition: pure
// (unit-tested), the same for the deployed processes' /metrics and the in-process registries.

/**
 * `mongo_commands:<db>.<collection> <command>` and `kafka_requests:<who> <api>`. `dbRole` names
 * a database by its role (`read_bench_saga_1a2b` → `read`); `who` names a Kafka client.
 */
export function requestCounts(
  samples: readonly Sample[],
  dbRole: (db: string) => string,
  who: (client: string) => string,
): Record<string, number> {
  const mongo = sumBy(samples, MONGO_COMMANDS_METRIC, (l) => {
    const target = l.collection ? `${dbRole(l.database)}.${l.collection}` : dbRole(l.database);
    return `mongo_commands:${target} ${l.command}`;
  });
  const kafka = sumBy(
    samples,
    KAFKA_REQUESTS_METRIC,
    (l) => `kafka_requests:${who(l.client)} ${l.api}`,
  );
  return Object.fromEntries([...mongo, ...kafka]);
}

/** The SDK's workflow-meter labels come camelCase; Core's own metrics snake_case. */
const label = (l: Record<string, string>, camel: string, snake: string) => l[camel] ?? l[snake];

/**
 * Activations counted by bench/activation-counter.ts in `namespace`, as
 * `workflow_activations:<workflow type> <task queue>`.
 */
export function activationCounts(
  samples: readonly Sample[],
  namespace: string,
): Record<string, number> {
  const sums = sumBy(samples, ACTIVATIONS_METRIC, (l) =>
    l.namespace === namespace
      ? `workflow_activations:${label(l, 'workflowType', 'workflow_type')} ${label(l, 'taskQueue', 'task_queue')}`
      : undefined,
  );
  return Object.fromEntries(sums);
}

/** The sum of metric `name` (every label set) in an exposition. */
export const total = (samples: readonly Sample[], name: string): number =>
  samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);

/** A database's role in an isolated system: the key of `dbs` whose name it is, else itself. */
export function dbRoleOf(dbs: Readonly<Record<string, string>>): (db: string) => string {
  const roles = new Map(Object.entries(dbs).map(([role, name]) => [name, role]));
  return (db) => roles.get(db) ?? db;
}

/**
 * The bench's own Kafka requests (its observer; deployed, its commit poller too), counted on
 * `registry` and kept apart from the system's: `bench_kafka_requests:<api>`.
 */
export async function benchKafkaCounts(registry: Registry): Promise<Record<string, number>> {
  const samples = parseExposition(await registry.metrics());
  const byApi = sumBy(samples, KAFKA_REQUESTS_METRIC, (l) => l.api);
  return Object.fromEntries([...byApi].map(([api, n]) => [`bench_kafka_requests:${api}`, n]));
}
