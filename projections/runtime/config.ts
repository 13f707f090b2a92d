import { z } from 'zod';
import { env, kafkaServerShape, mongoServerShape } from '../../lib/config';
import { checkKafkaConnection, checkMongoConnection, plaintextShape } from '../../lib/connections';
import { checkDeploymentMode, deploymentShape } from '../../lib/deployment';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';

/**
 * Every partition of the default topic (6) at once. kafkajs fetches again only once every batch
 * of the last fetch is projected, so with fewer workers than partitions with data, a partition's
 * new events wait for other partitions' chunks as well as its own.
 */
export const DEFAULT_PARTITIONS_CONCURRENTLY = 6;

/** Environment of the projector, rebuild and dead-letter commands. */
export const projectionConfigSchema = z
  .object({
    LOG_LEVEL: env.logLevel,
    ...deploymentShape,
    ...plaintextShape,
    ...kafkaServerShape,
    ...mongoServerShape,
    /** Database holding the read models (and the pointer to the active ones). */
    READ_DB: z.string().min(1).default('read'),
    /** Topic to project; only tests and benchmarks change it. */
    ORDER_EVENTS_TOPIC: z.string().min(1).default(ORDER_EVENTS_TOPIC),
    /** Port of the projector's Prometheus `/metrics` (0 = pick a free one). */
    PROJECTOR_METRICS_PORT: env.port.default(9464),
    /** Interface of that server: 0.0.0.0 in a container, so Prometheus and the kubelet reach it. */
    PROJECTOR_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** How often a running projector checks whether a rebuild switched the read models. */
    PROJECTOR_POINTER_POLL_MS: env.durationMs.default(5_000),
    PROJECTOR_PARTITIONS_CONCURRENTLY: env.positiveInt.default(DEFAULT_PARTITIONS_CONCURRENTLY),
    /** OTLP/HTTP collector base URL; tracing is off when unset. */
    OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint,
  })
  .superRefine((c, ctx) => {
    checkDeploymentMode(c, ctx);
    checkKafkaConnection(c, ctx);
    checkMongoConnection(c, ctx);
  });
export type ProjectionConfig = z.infer<typeof projectionConfigSchema>;
