// Dead-letter headers under the names Spring Kafka's DeadLetterPublishingRecoverer writes, so
// JVM tooling and people who know it read our dead letters without a translation table.
export const DLT_HEADERS = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  originalConsumerGroup: 'kafka_dlt-original-consumer-group',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
} as const;

/** Added by the redrive command so a re-driven event can be traced back to its dead letter. */
export const REDRIVEN_FROM_HEADER = 'x-redriven-from';
