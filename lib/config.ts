import { z } from 'zod';
import {
  checkKafkaConnection,
  checkMongoConnection,
  checkTemporalConnection,
  kafkaConnectionShape,
  mongoConnectionShape,
  plaintextShape,
  temporalConnectionShape,
} from './connections';
import { checkDeploymentMode, deploymentShape } from './deployment';

/** Raised at start-up when the environment does not satisfy a process's configuration schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (fix these environment variables):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with a schema whose keys are environment variable names. Every problem is
 * reported at once, each naming its variable, so an operator fixes them in one go.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, env)));
}

/**
 * One line per problem: the variable and what is wrong with it. The value is never shown: many
 * variables are secrets or carry one (JWT_SECRET, CODEC_KEYS, a MONGO_URL with a password),
 * and start-up errors end up in logs that more people read than the secrets' owners.
 */
function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const [variable, ...inner] = issue.path.map(String);
  if (variable === undefined) return `(environment): ${issue.message}`;
  // A list variable (KAFKA_BROKERS) reports its bad entry by position, not by content.
  const where =
    inner.length > 0
      ? ` (entry ${inner.map((p) => (/^\d+$/.test(p) ? Number(p) + 1 : p)).join('.')})`
      : '';
  const unset = env[variable] === undefined ? ' (not set)' : '';
  return `${variable}: ${issue.message}${where}${unset}`;
}

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

/** Building blocks shared by the processes' schemas. */
export const env = {
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  temporalAddress: hostPort.default('127.0.0.1:7233'),
  temporalNamespace: z.string().min(1).default('default'),
  kafkaBrokers: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(hostPort).min(1)),
  mongoUrl: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL')
    // The local stack's server (stack/mongo-args.ts explains the pool size).
    .default('mongodb://127.0.0.1:27017/'),
  port: z.coerce.number().int().min(0).max(65535),
  positiveInt: z.coerce.number().int().positive(),
  /** A duration in milliseconds. */
  durationMs: z.coerce.number().int().positive(),
  /** OTLP/HTTP collector base URL; empty or unset turns exporting off. */
  otlpEndpoint: z
    .union([z.literal(''), z.url()])
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    // Outer optional: the key stays optional in the parsed type, so configs built as literals
    // (tests, benchmarks) need not mention it.
    .optional(),
  csv: z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
};

/** How a process reaches, authenticates to and encrypts its way to Kafka (lib/connections.ts). */
export const kafkaServerShape = { KAFKA_BROKERS: env.kafkaBrokers, ...kafkaConnectionShape };
export const mongoServerShape = { MONGO_URL: env.mongoUrl, ...mongoConnectionShape };
export const temporalServerShape = {
  TEMPORAL_ADDRESS: env.temporalAddress,
  TEMPORAL_NAMESPACE: env.temporalNamespace,
  ...temporalConnectionShape,
};

/**
 * What a Temporal process needs to find Temporal and Kafka and which rules it runs under
 * (lib/deployment.ts): local mode only when asked for, and in production no plaintext connection
 * unless allowed. The orders worker needs no more; every other process adds MongoDB.
 */
export const temporalProcessConfigSchema = z
  .object({
    LOG_LEVEL: env.logLevel,
    ...deploymentShape,
    ...plaintextShape,
    ...temporalServerShape,
    ...kafkaServerShape,
  })
  .superRefine((c, ctx) => {
    checkDeploymentMode(c, ctx);
    checkTemporalConnection(c, ctx);
    checkKafkaConnection(c, ctx);
  });

/** A Temporal process with a MongoDB database: the API and the inventory, payments, shipping workers. */
export const serverConfigSchema = temporalProcessConfigSchema
  .extend(mongoServerShape)
  .superRefine(checkMongoConnection);
export type ServerConfig = z.infer<typeof serverConfigSchema>;
