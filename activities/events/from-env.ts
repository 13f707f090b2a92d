import type { Tracer } from '@opentelemetry/api';
import type { EventService } from '../../contracts/event-envelope';
import { kafkaSecurity, type KafkaSettings } from '../../lib/connections';
import { createKafka, createKafkaPublisher } from '../../lib/kafka';
import type { KafkaRequestMetrics } from '../../lib/kafka-request-metrics';
import { createLogger } from '../../lib/logger';
import type { EventActivities } from './api';
import { createEventActivities } from './event-activities';

/** The part of a worker's validated configuration the Kafka producer needs. */
export type EventActivitiesConfig = KafkaSettings & {
  LOG_LEVEL: string;
  KAFKA_BROKERS: string[];
};

/**
 * Wiring for a worker process: one Kafka producer for the process, shared by every activity
 * execution. Call `close()` on shutdown, after the worker has stopped.
 */
export function createEventActivitiesFromEnv(
  service: EventService,
  config: EventActivitiesConfig,
  options: { tracer?: Tracer; metrics?: KafkaRequestMetrics } = {},
): { activities: EventActivities; close(): Promise<void> } {
  const logger = createLogger(`${service}-events`, config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `order-saga-${service}`,
    logger,
    security: kafkaSecurity(config),
    metrics: options.metrics,
  });
  const publisher = createKafkaPublisher(kafka, logger);
  return {
    activities: createEventActivities({ publisher, service, logger, tracer: options.tracer }),
    close: () => publisher.close(),
  };
}
