// Pure: who may use what in the secure profile, and the client environment each process gets
// (the variable names of the security contract, /work/notes/security-contract.md; README
// "Running secured").
import { PROJECTOR_GROUP_ID } from '../contracts/consumer-groups';
import { deadLetterTopic, ORDER_EVENTS_TOPIC } from '../contracts/topics';
import {
  PROCESS_NAMES,
  processName,
  type Application,
  type ProcessName,
} from '../contracts/services';

/** The stack itself: Kafka super user, creates topics and ACLs; also the operator's identity. */
export const STACK_ADMIN = 'stack-admin';

/** One identity per process of the system (contracts/services.ts, named as it is), plus the stack's own. */
export type Principal = typeof STACK_ADMIN | ProcessName;
export const PRINCIPALS: readonly Principal[] = [STACK_ADMIN, ...PROCESS_NAMES];
export const principalOf = (name: Application): Principal => processName(name);

export interface Access {
  /** A client certificate for the Temporal TLS front (mTLS). */
  temporal: boolean;
  /** A SCRAM-SHA-512 user on Kafka (what it may do: kafkaAcls). */
  kafka: boolean;
  /** A SCRAM-SHA-256 user on the MongoDB-wire server. */
  mongo: boolean;
}

/**
 * Credentials only for the servers a process uses. The inventory, payments and shipping workers
 * have no Kafka user: since the `local-event-publishing` patch only the orders worker publishes
 * events (the others' publishing activity serves orders started before it, which a new secure
 * stack has none of). The orders worker has no database; the projector no Temporal.
 */
export const ACCESS: Record<Principal, Access> = {
  [STACK_ADMIN]: { temporal: true, kafka: true, mongo: true },
  'worker-orders': { temporal: true, kafka: true, mongo: false },
  'worker-inventory': { temporal: true, kafka: false, mongo: true },
  'worker-payments': { temporal: true, kafka: false, mongo: true },
  'worker-shipping': { temporal: true, kafka: false, mongo: true },
  projector: { temporal: false, kafka: true, mongo: true },
  // Kafka only for its readiness probe (cluster metadata), which needs no ACL.
  api: { temporal: true, kafka: true, mongo: true },
};

export interface KafkaAcl {
  principal: Principal;
  resourceType: 'topic' | 'group';
  pattern: 'literal' | 'prefixed';
  name: string;
  operation: 'read' | 'write';
}

/**
 * Everything but the super user's rights. WRITE and READ imply DESCRIBE; WRITE on a topic also
 * lets an idempotent producer get its producer id (KIP-679). Group READ is by prefix, so the
 * rebuild's groups (`order-projections.<generation>`) are covered.
 */
export function kafkaAcls(): KafkaAcl[] {
  return [
    {
      principal: 'worker-orders',
      resourceType: 'topic',
      pattern: 'literal',
      name: ORDER_EVENTS_TOPIC,
      operation: 'write',
    },
    {
      principal: 'projector',
      resourceType: 'topic',
      pattern: 'literal',
      name: ORDER_EVENTS_TOPIC,
      operation: 'read',
    },
    {
      principal: 'projector',
      resourceType: 'group',
      pattern: 'prefixed',
      name: PROJECTOR_GROUP_ID,
      operation: 'read',
    },
    {
      principal: 'projector',
      resourceType: 'topic',
      pattern: 'literal',
      name: deadLetterTopic(ORDER_EVENTS_TOPIC),
      operation: 'write',
    },
  ];
}

/** Where a secure stack's files are (stack/secure-material.ts makes them). */
export interface SecureFiles {
  caFile: string;
  /** Client certificate and key of a principal with Temporal access. */
  clientCert: (p: Principal) => { certFile: string; keyFile: string };
}

export interface Passwords {
  kafka: string;
  mongo: string;
}

export interface SecureAddresses {
  temporalAddress: string;
  kafkaBrokers: string[];
  /** Host and port of the MongoDB-wire server. */
  mongoHost: string;
}

/** The TLS certificate names 127.0.0.1 and localhost; clients check the name they are given. */
export const SERVER_NAME = 'localhost';

export function mongoUrl(host: string, user?: { name: string; password: string }): string {
  const auth = user ? `${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@` : '';
  return `mongodb://${auth}${host}/?${user ? 'authSource=admin&' : ''}tls=true`;
}

/**
 * The environment a principal's process needs: every server's address and CA (TLS is always
 * on), and its own credentials where it has access. Without access to a server it still gets
 * the address, so a connection it should not make is refused rather than misconfigured.
 */
export function clientEnv(
  principal: Principal,
  addrs: SecureAddresses,
  files: SecureFiles,
  passwords: Passwords,
): Record<string, string> {
  const access = ACCESS[principal];
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: addrs.temporalAddress,
    TEMPORAL_TLS: 'true',
    TEMPORAL_TLS_CA_FILE: files.caFile,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    KAFKA_BROKERS: addrs.kafkaBrokers.join(','),
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: files.caFile,
    MONGO_URL: mongoUrl(
      addrs.mongoHost,
      access.mongo ? { name: principal, password: passwords.mongo } : undefined,
    ),
    MONGO_TLS_CA_FILE: files.caFile,
  };
  if (access.temporal) {
    const { certFile, keyFile } = files.clientCert(principal);
    env.TEMPORAL_TLS_CERT_FILE = certFile;
    env.TEMPORAL_TLS_KEY_FILE = keyFile;
  }
  if (access.kafka) {
    env.KAFKA_SASL_MECHANISM = 'scram-sha-512';
    env.KAFKA_SASL_USERNAME = principal;
    env.KAFKA_SASL_PASSWORD = passwords.kafka;
  }
  return env;
}

/** `KEY=value` lines (values are generated: no quoting needed) for `set -a; . file`. */
export function renderEnvFile(principal: Principal, env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return `# ${principal}: client environment of the secure local stack (generated; secrets)\n${lines.join('\n')}\n`;
}
