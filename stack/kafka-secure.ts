// The secure profile's Kafka set-up, done as the stack's super user once the broker answers:
// the system's topics, then the ACLs of stack/secure-principals.ts.
import { readFileSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  type KafkaConfig,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import type { TopicSpec } from '../contracts/topics';
import { createMissingTopics } from '../lib/kafka-topics';
import { type KafkaAcl, kafkaAcls } from './secure-principals';
import type { Progress, StackClientSecurity } from './types';

/** kafkajs options for SASL_SSL as `user` (the stack's probes and set-up use the admin). */
export function kafkaSecurityOptions(
  security: Pick<StackClientSecurity, 'caFile' | 'kafka'>,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ssl: { ca: [readFileSync(security.caFile, 'utf8')] },
    sasl: {
      mechanism: 'scram-sha-512',
      username: security.kafka.username,
      password: security.kafka.password,
    },
  };
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = {
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
} as const;
const OPERATION = { read: AclOperationTypes.READ, write: AclOperationTypes.WRITE } as const;

function toKafkajsAcl(a: KafkaAcl) {
  return {
    resourceType: RESOURCE[a.resourceType],
    resourceName: a.name,
    resourcePatternType: PATTERN[a.pattern],
    principal: `User:${a.principal}`,
    host: '*',
    operation: OPERATION[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** Topics, then ACLs (creating an ACL that exists is a no-op), as the super user. */
export async function ensureSecureKafka(
  brokers: string[],
  security: StackClientSecurity,
  topics: TopicSpec[],
  progress: Progress,
): Promise<void> {
  const admin = new Kafka({
    clientId: 'order-saga-stack',
    brokers,
    logLevel: logLevel.NOTHING,
    ...kafkaSecurityOptions(security),
  }).admin();
  await admin.connect();
  try {
    const { created } = await createMissingTopics(admin, topics);
    const acls = kafkaAcls();
    await admin.createAcls({ acl: acls.map(toKafkajsAcl) });
    progress(
      `kafka: topics created [${created.join(', ')}]; ${acls.length} ACLs in place ` +
        `(${[...new Set(acls.map((a) => a.principal))].join(', ')})`,
    );
  } finally {
    await admin.disconnect();
  }
}
