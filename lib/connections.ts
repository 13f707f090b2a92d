import { accessSync, constants, readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { MongoClientOptions } from 'mongodb';
import { z } from 'zod';
import { checkSecret, deploymentMode, type DeploymentInput } from './deployment';

// How each process authenticates to and encrypts its connections to Temporal, Kafka and MongoDB,
// from validated environment variables (README "Running secured"). The same settings serve a
// Temporal Cloud namespace (API key), a self-hosted cluster with mTLS, a Kafka cluster with
// SASL_SSL and a MongoDB replica set with users and TLS. In production a plaintext connection is
// refused unless ALLOW_PLAINTEXT names the server: a private network is a decision an operator
// writes down, not a default.

export const SERVERS = ['temporal', 'kafka', 'mongodb'] as const;
export type ServerKind = (typeof SERVERS)[number];

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'))
  // Outer optional: optional in the parsed type too, so configs built as literals need not say.
  .optional();

/** A path to a PEM file the process can read; checked at start, read when connecting. */
const pemFile = z
  .string()
  .min(1)
  .superRefine((file, ctx) => {
    try {
      accessSync(file, constants.R_OK);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'file not found or not readable' });
    }
  })
  .optional();

const secret = z.string().min(1).optional();

export const temporalConnectionShape = {
  /** TLS to the frontend; implied by a CA, a client certificate or an API key. */
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CA_FILE: pemFile,
  /** mTLS client certificate and key (a self-hosted cluster with mTLS, Temporal Cloud mTLS). */
  TEMPORAL_TLS_CERT_FILE: pemFile,
  TEMPORAL_TLS_KEY_FILE: pemFile,
  /** The name the server certificate is checked against, when it differs from the address. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key, sent as a bearer token over TLS. */
  TEMPORAL_API_KEY: secret,
};

export const kafkaConnectionShape = {
  /** TLS to the brokers; implied by a CA or a client certificate. */
  KAFKA_TLS: flag,
  KAFKA_TLS_CA_FILE: pemFile,
  KAFKA_TLS_CERT_FILE: pemFile,
  KAFKA_TLS_KEY_FILE: pemFile,
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: secret,
};

export const mongoConnectionShape = {
  /** CA of the servers' certificates; credentials and `tls=true` go in MONGO_URL. */
  MONGO_TLS_CA_FILE: pemFile,
  /** Client certificate and key in one PEM file (X.509 authentication). */
  MONGO_TLS_CERT_KEY_FILE: pemFile,
};

export const plaintextShape = {
  /**
   * Servers that production may reach without TLS (a cluster inside a private network), as a
   * comma list of temporal, kafka, mongodb.
   */
  ALLOW_PLAINTEXT: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(SERVERS)))
    .optional(),
};

type Maybe<T> = { [K in keyof T]?: T[K] };
type TemporalSettings = Maybe<z.infer<z.ZodObject<typeof temporalConnectionShape>>> & {
  TEMPORAL_ADDRESS: string;
};
export type KafkaSettings = Maybe<z.infer<z.ZodObject<typeof kafkaConnectionShape>>>;
type MongoSettings = Maybe<z.infer<z.ZodObject<typeof mongoConnectionShape>>> & {
  MONGO_URL: string;
};

const temporalTls = (c: Maybe<TemporalSettings>): boolean =>
  c.TEMPORAL_TLS ??
  Boolean(c.TEMPORAL_TLS_CA_FILE ?? c.TEMPORAL_TLS_CERT_FILE ?? c.TEMPORAL_API_KEY);

const kafkaTls = (c: KafkaSettings): boolean =>
  c.KAFKA_TLS ?? Boolean(c.KAFKA_TLS_CA_FILE ?? c.KAFKA_TLS_CERT_FILE);

/** TLS is on in the URL (`tls=true`, `ssl=true`) or by SRV, whose default is TLS. */
export function mongoUrlUsesTls(url: string): boolean {
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : null;
  const asked = query?.get('tls') ?? query?.get('ssl');
  if (asked !== null && asked !== undefined) return asked === 'true';
  return url.startsWith('mongodb+srv://');
}

/** The password in a MongoDB URL's user info, decoded, if there is one. */
export function mongoUrlPassword(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/.exec(url);
  const userInfo = match?.[1];
  if (userInfo === undefined || !userInfo.includes(':')) return undefined;
  try {
    return decodeURIComponent(userInfo.slice(userInfo.indexOf(':') + 1));
  } catch {
    return undefined;
  }
}

type Ctx = z.RefinementCtx;
const issue = (ctx: Ctx, variable: string, message: string) =>
  ctx.addIssue({ code: 'custom', path: [variable], message });

type Setting = [variable: string, value: unknown];

function checkPair(ctx: Ctx, [cert, certFile]: Setting, [key, keyFile]: Setting): void {
  if ((certFile === undefined) === (keyFile === undefined)) return;
  const [missing, other] = certFile === undefined ? [cert, key] : [key, cert];
  issue(ctx, missing, `required with ${other} (a client certificate)`);
}

function checkPlaintext(
  ctx: Ctx,
  mode: ReturnType<typeof deploymentMode>,
  allowed: readonly ServerKind[] = [],
  server: ServerKind,
  encrypted: boolean,
  variable: string,
): void {
  if (mode !== 'production' || encrypted || allowed.includes(server)) return;
  issue(
    ctx,
    variable,
    `a plaintext connection to ${server} is refused in production: enable TLS, or add ${server} to ALLOW_PLAINTEXT if the network is private`,
  );
}

export function checkTemporalConnection(
  c: DeploymentInput & TemporalSettings & { ALLOW_PLAINTEXT?: ServerKind[] },
  ctx: Ctx,
): void {
  checkPair(
    ctx,
    ['TEMPORAL_TLS_CERT_FILE', c.TEMPORAL_TLS_CERT_FILE],
    ['TEMPORAL_TLS_KEY_FILE', c.TEMPORAL_TLS_KEY_FILE],
  );
  if (c.TEMPORAL_TLS === false && (c.TEMPORAL_API_KEY ?? c.TEMPORAL_TLS_CERT_FILE)) {
    issue(ctx, 'TEMPORAL_TLS', 'cannot be false with an API key or a client certificate');
  }
  checkSecret(c, ctx, 'TEMPORAL_API_KEY', c.TEMPORAL_API_KEY);
  const tls = temporalTls(c);
  checkPlaintext(ctx, deploymentMode(c), c.ALLOW_PLAINTEXT, 'temporal', tls, 'TEMPORAL_TLS');
}

export function checkKafkaConnection(
  c: DeploymentInput & KafkaSettings & { ALLOW_PLAINTEXT?: ServerKind[] },
  ctx: Ctx,
): void {
  checkPair(
    ctx,
    ['KAFKA_TLS_CERT_FILE', c.KAFKA_TLS_CERT_FILE],
    ['KAFKA_TLS_KEY_FILE', c.KAFKA_TLS_KEY_FILE],
  );
  const sasl = [c.KAFKA_SASL_MECHANISM, c.KAFKA_SASL_USERNAME, c.KAFKA_SASL_PASSWORD];
  if (sasl.some((v) => v !== undefined) && sasl.some((v) => v === undefined)) {
    for (const [variable, value] of [
      ['KAFKA_SASL_MECHANISM', c.KAFKA_SASL_MECHANISM],
      ['KAFKA_SASL_USERNAME', c.KAFKA_SASL_USERNAME],
      ['KAFKA_SASL_PASSWORD', c.KAFKA_SASL_PASSWORD],
    ] as const) {
      if (value === undefined) issue(ctx, variable, 'required with the other KAFKA_SASL_ settings');
    }
  }
  if (c.KAFKA_TLS === false && (c.KAFKA_TLS_CA_FILE ?? c.KAFKA_TLS_CERT_FILE)) {
    issue(ctx, 'KAFKA_TLS', 'cannot be false with a CA or a client certificate');
  }
  checkSecret(c, ctx, 'KAFKA_SASL_PASSWORD', c.KAFKA_SASL_PASSWORD);
  checkPlaintext(ctx, deploymentMode(c), c.ALLOW_PLAINTEXT, 'kafka', kafkaTls(c), 'KAFKA_TLS');
}

export function checkMongoConnection(
  c: DeploymentInput & MongoSettings & { ALLOW_PLAINTEXT?: ServerKind[] },
  ctx: Ctx,
): void {
  const tls = mongoUrlUsesTls(c.MONGO_URL);
  if (!tls && (c.MONGO_TLS_CA_FILE ?? c.MONGO_TLS_CERT_KEY_FILE)) {
    issue(ctx, 'MONGO_URL', 'add tls=true to the URL: MONGO_TLS_* files are set');
  }
  checkSecret(c, ctx, 'MONGO_URL', mongoUrlPassword(c.MONGO_URL));
  checkPlaintext(ctx, deploymentMode(c), c.ALLOW_PLAINTEXT, 'mongodb', tls, 'MONGO_URL');
}

const read = (file: string | undefined): Buffer | undefined =>
  file === undefined ? undefined : readFileSync(file);

/** Options for `Connection.connect`/`lazy` (client) and `NativeConnection.connect` (worker). */
export function temporalConnectionOptions(c: TemporalSettings): {
  address: string;
  tls?: {
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverNameOverride?: string;
  };
  apiKey?: string;
} {
  if (!temporalTls(c)) return { address: c.TEMPORAL_ADDRESS };
  const crt = read(c.TEMPORAL_TLS_CERT_FILE);
  const key = read(c.TEMPORAL_TLS_KEY_FILE);
  return {
    address: c.TEMPORAL_ADDRESS,
    tls: {
      ...(c.TEMPORAL_TLS_CA_FILE && { serverRootCACertificate: read(c.TEMPORAL_TLS_CA_FILE) }),
      ...(crt && key && { clientCertPair: { crt, key } }),
      ...(c.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: c.TEMPORAL_TLS_SERVER_NAME }),
    },
    ...(c.TEMPORAL_API_KEY && { apiKey: c.TEMPORAL_API_KEY }),
  };
}

/** The `ssl` and `sasl` parts of a kafkajs client's configuration. */
export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

export function kafkaSecurity(c: KafkaSettings): KafkaSecurity {
  const tls = kafkaTls(c);
  const ca = read(c.KAFKA_TLS_CA_FILE);
  const cert = read(c.KAFKA_TLS_CERT_FILE);
  const key = read(c.KAFKA_TLS_KEY_FILE);
  const ssl =
    tls && (ca || cert) ? { ...(ca && { ca: [ca] }), ...(cert && key && { cert, key }) } : tls;
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = c;
  const password = c.KAFKA_SASL_PASSWORD;
  const sasl: SASLOptions | undefined =
    mechanism && username && password ? { mechanism, username, password } : undefined;
  return { ...(ssl !== false && { ssl }), ...(sasl && { sasl }) };
}

/**
 * TLS files for the MongoDB driver; credentials and `tls=true` come with MONGO_URL. Command
 * monitoring is on so that each process can count its commands (lib/mongo-command-metrics.ts).
 */
export function mongoClientOptions(c: Maybe<MongoSettings>): MongoClientOptions {
  return {
    monitorCommands: true,
    ...(c.MONGO_TLS_CA_FILE && { tlsCAFile: c.MONGO_TLS_CA_FILE }),
    ...(c.MONGO_TLS_CERT_KEY_FILE && { tlsCertificateKeyFile: c.MONGO_TLS_CERT_KEY_FILE }),
  };
}
