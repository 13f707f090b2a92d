import type { Tracer } from '@opentelemetry/api';
import { z } from 'zod';
import type { EventService } from '../../contracts/event-envelope';
import { env, loadConfig } from '../../lib/config';
import { createKafka, createKafkaPublisher } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import type { EventActivities } from './api';
import { createEventActivities } from './event-activities';

export const eventActivitiesConfigSchema = z.object({
  LOG_LEVEL: env.logLevel,
  KAFKA_BROKERS: env.kafkaBrokers,
});

/**
 * Wiring for a worker process: one Kafka producer for the process, shared by every activity
 * execution. Call `close()` on shutdown, after the worker has stopped.
 */
export function createEventActivitiesFromEnv(
  service: EventService,
  environment: NodeJS.ProcessEnv = process.env,
  options: { tracer?: Tracer } = {},
): { activities: EventActivities; close(): Promise<void> } {
  const config = loadConfig(eventActivitiesConfigSchema, environment);
  const logger = createLogger(`${service}-events`, config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `order-saga-${service}`,
    logger,
  });
  const publisher = createKafkaPublisher(kafka, logger);
  return {
    activities: createEventActivities({ publisher, service, logger, tracer: options.tracer }),
    close: () => publisher.close(),
  };
}
