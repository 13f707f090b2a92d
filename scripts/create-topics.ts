// Creates the Kafka topics the system needs, idempotently: the compose `kafka-setup` service and
// the Kubernetes Job run this before the application starts.
import { z } from 'zod';
import { requiredTopics } from '../contracts/topics';
import { env, kafkaServerShape, loadConfig } from '../lib/config';
import { checkKafkaConnection, kafkaSecurity, plaintextShape } from '../lib/connections';
import { checkDeploymentMode, deploymentShape } from '../lib/deployment';
import { ensureTopics } from '../lib/kafka-topics';

export const createTopicsConfigSchema = z
  .object({
    LOG_LEVEL: env.logLevel,
    ...deploymentShape,
    ...plaintextShape,
    ...kafkaServerShape,
    /** Upper bound of order-stream parallelism: one projector instance per partition at most. */
    KAFKA_ORDER_EVENTS_PARTITIONS: env.positiveInt.default(6),
  })
  .superRefine((c, ctx) => {
    checkDeploymentMode(c, ctx);
    checkKafkaConnection(c, ctx);
  });

async function main(): Promise<void> {
  const config = loadConfig(createTopicsConfigSchema);
  await ensureTopics(
    config.KAFKA_BROKERS,
    requiredTopics(config.KAFKA_ORDER_EVENTS_PARTITIONS),
    (line) => console.log(line),
    kafkaSecurity(config),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
