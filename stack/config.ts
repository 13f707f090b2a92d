// Pure configuration from the environment: which servers to start, on which ports, where.
import path from 'node:path';
import { stackProfileFromEnv } from './profile';
import type { ServerName, StackPorts } from './types';

export type Provider = { kind: 'local' } | { kind: 'external'; address: string };

/** Env var that points a server at an existing deployment (then the stack starts nothing for it). */
export const EXTERNAL_ENV: Record<ServerName, string> = {
  temporal: 'TEMPORAL_ADDRESS',
  kafka: 'KAFKA_BROKERS',
  mongo: 'MONGO_URL',
};

export function selectProviders(env: NodeJS.ProcessEnv): Record<ServerName, Provider> {
  const pick = (name: ServerName): Provider => {
    const value = env[EXTERNAL_ENV[name]]?.trim();
    return value ? { kind: 'external', address: value } : { kind: 'local' };
  };
  return { temporal: pick('temporal'), kafka: pick('kafka'), mongo: pick('mongo') };
}

export const DEFAULT_PORTS: StackPorts = {
  temporal: 7233,
  temporalUi: 8233,
  kafka: 9092,
  kafkaController: 9093,
  mongo: 27017,
  mongoPostgres: 15432,
};

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number 1-65535 (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/** Ports for the CLI's stack: the defaults, each overridable by a STACK_*_PORT variable. */
export function stackPortsFromEnv(env: NodeJS.ProcessEnv): StackPorts {
  const kafka = port(env, 'STACK_KAFKA_PORT', DEFAULT_PORTS.kafka);
  const ports: StackPorts = {
    temporal: port(env, 'STACK_TEMPORAL_PORT', DEFAULT_PORTS.temporal),
    temporalUi: port(env, 'STACK_TEMPORAL_UI_PORT', DEFAULT_PORTS.temporalUi),
    kafka,
    // Follows a moved broker port unless set, so one variable moves Kafka off 9092/9093.
    kafkaController: port(
      env,
      'STACK_KAFKA_CONTROLLER_PORT',
      env.STACK_KAFKA_PORT ? kafka + 1 : DEFAULT_PORTS.kafkaController,
    ),
    mongo: port(env, 'STACK_MONGO_PORT', DEFAULT_PORTS.mongo),
    mongoPostgres: port(env, 'STACK_POSTGRES_PORT', DEFAULT_PORTS.mongoPostgres),
  };
  const values = Object.values(ports);
  if (new Set(values).size !== values.length) {
    throw new Error(`Stack ports must be distinct: ${JSON.stringify(ports)}`);
  }
  return ports;
}

/**
 * The one directory holding a running stack's data, logs and state file. The secure profile's
 * default is a directory of its own (inside the ignored .stack/), since data cannot change
 * profile (stack/profile.ts).
 */
export function stackDirFromEnv(env: NodeJS.ProcessEnv, repoRoot: string): string {
  const dir = env.STACK_DIR?.trim();
  if (dir) return path.resolve(dir);
  const base = path.join(repoRoot, '.stack');
  return stackProfileFromEnv(env) === 'secure' ? path.join(base, 'secure') : base;
}

export function kafkaPartitionsFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.KAFKA_ORDER_EVENTS_PARTITIONS?.trim();
  if (!raw) return 6;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`KAFKA_ORDER_EVENTS_PARTITIONS must be a positive integer (got ${raw})`);
  }
  return n;
}

export const splitBrokers = (s: string): string[] =>
  s
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
