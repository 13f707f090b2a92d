/** The order event stream: keyed by order id, kept forever (projections are rebuilt from it). */
export const ORDER_EVENTS_TOPIC = 'order.events';
/** Where poison events go, named as Spring Kafka and JVM tooling expect. */
export const deadLetterTopic = (topic: string): string => `${topic}.DLT`;

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries: { name: string; value: string }[];
}

/** Topics the system needs, created idempotently by the local stack and by deployment jobs. */
export function requiredTopics(partitions: number): TopicSpec[] {
  const forever = [{ name: 'retention.ms', value: '-1' }];
  return [
    { topic: ORDER_EVENTS_TOPIC, numPartitions: partitions, configEntries: forever },
    { topic: deadLetterTopic(ORDER_EVENTS_TOPIC), numPartitions: 1, configEntries: forever },
  ];
}
