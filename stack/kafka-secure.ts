// The secure profile's Kafka set-up, done as the stack's super user once the broker answers:
// the system's topics, then the ACLs of stack/secure-principals.ts.
import { readFileSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import type { TopicSpec } from '../contracts/topics';
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

async function ensureTopics(admin: Admin, topics: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true }).catch((err: unknown) => {
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    });
  }
  return missing.map((t) => `${t.topic}(${t.numPartitions}p)`);
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
    const created = await ensureTopics(admin, topics);
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
