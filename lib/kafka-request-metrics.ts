import type { Admin, Consumer, Kafka, Producer, RequestEvent } from 'kafkajs';
import { processCounter, type ProcessMetrics } from './process-counter';

// Kafka requests a process sends, by client and API (Produce, Fetch, Metadata, OffsetCommit,
// Heartbeat, …), from kafkajs's request instrumentation events: the Kafka side of what an order
// costs in round trips (issue 24), next to lib/mongo-command-metrics.ts. Counted on a
// prom-client registry (the API, the projector) or on a Temporal runtime's meter (a worker
// process, whose metrics the Core runtime serves on WORKER_METRICS_ADDRESS).

export const KAFKA_REQUESTS_METRIC = 'kafka_requests_total';

const HELP =
  'Kafka requests sent by this process, by client id and API name (Produce, Fetch, Metadata, OffsetCommit, Heartbeat, ...), from kafkajs request instrumentation events.';

/** Where the requests are counted (lib/process-counter.ts). */
export type KafkaRequestMetrics = ProcessMetrics;

/**
 * Counts every request of each producer, consumer and admin `kafka` creates from now on, labelled
 * `client`. kafkajs emits these events per client instance only, so its factories are wrapped.
 */
export function countKafkaRequests(
  kafka: Kafka,
  metrics: KafkaRequestMetrics,
  client: string,
): void {
  const count = processCounter(metrics, {
    name: KAFKA_REQUESTS_METRIC,
    help: HELP,
    labelNames: ['client', 'api'],
  });
  const onRequest = (event: RequestEvent) => count({ client, api: event.payload.apiName });
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.producer = (config) => {
    const p: Producer = producer(config);
    p.on(p.events.REQUEST, onRequest);
    return p;
  };
  kafka.consumer = (config) => {
    const c: Consumer = consumer(config);
    c.on(c.events.REQUEST, onRequest);
    return c;
  };
  kafka.admin = (config) => {
    const a: Admin = admin(config);
    a.on(a.events.REQUEST, onRequest);
    return a;
  };
}
