import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, serverConfigSchema } from '../../lib/config';
import {
  kafkaSecurity,
  mongoClientOptions,
  mongoUrlPassword,
  mongoUrlUsesTls,
  temporalConnectionOptions,
} from '../../lib/connections';

const dir = mkdtempSync(path.join(os.tmpdir(), 'connections-'));
const pem = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
};
const CA = pem('ca.pem', 'CA');
const CERT = pem('client.pem', 'CERT');
const KEY = pem('client-key.pem', 'KEY');

const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(serverConfigSchema, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};
const production = { NODE_ENV: 'production' };
const tlsEverywhere = {
  TEMPORAL_TLS: 'true',
  KAFKA_TLS: 'true',
  MONGO_URL: 'mongodb://db.internal:27017/?tls=true',
};

describe('connections: production refuses plaintext unless ALLOW_PLAINTEXT names the server', () => {
  it('names each plaintext server, and nothing once all use TLS', () => {
    expect(problems(production)).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS: a plaintext connection to temporal is refused/),
      expect.stringMatching(/^KAFKA_TLS: a plaintext connection to kafka is refused/),
      expect.stringMatching(/^MONGO_URL: a plaintext connection to mongodb is refused/),
    ]);
    expect(problems({ ...production, ...tlsEverywhere })).toEqual([]);
  });

  it('ALLOW_PLAINTEXT allows exactly the servers it lists, and rejects unknown names', () => {
    expect(problems({ ...production, ALLOW_PLAINTEXT: 'kafka, mongodb' })).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS: /),
    ]);
    expect(problems({ ...production, ALLOW_PLAINTEXT: 'temporal,kafka,mongodb' })).toEqual([]);
    expect(problems({ ...production, ALLOW_PLAINTEXT: 'redis' })).toEqual([
      expect.stringMatching(/^ALLOW_PLAINTEXT: .*(temporal|kafka|mongodb)/),
    ]);
  });

  it('outside production plaintext is allowed (local stack, a staging network)', () => {
    expect(problems({ LOCAL_MODE: 'true' })).toEqual([]);
    expect(problems({ NODE_ENV: 'staging' })).toEqual([]);
  });

  it('TLS is implied by a CA, a client certificate or an API key', () => {
    expect(
      problems({
        ...production,
        ...tlsEverywhere,
        TEMPORAL_TLS: undefined,
        TEMPORAL_API_KEY: 'a-real-cloud-api-key',
        KAFKA_TLS: undefined,
        KAFKA_TLS_CA_FILE: CA,
      }),
    ).toEqual([]);
  });

  it('srv URLs are TLS by default; tls=false in the URL is plaintext', () => {
    expect(mongoUrlUsesTls('mongodb+srv://u:p@cluster.example/')).toBe(true);
    expect(mongoUrlUsesTls('mongodb+srv://cluster.example/?tls=false')).toBe(false);
    expect(mongoUrlUsesTls('mongodb://a:27017,b:27017/?replicaSet=rs0&ssl=true')).toBe(true);
    expect(mongoUrlUsesTls('mongodb://a:27017/')).toBe(false);
  });
});

describe('connections: settings that belong together', () => {
  it('a client certificate needs its key, and the reverse', () => {
    expect(problems({ LOCAL_MODE: 'true', TEMPORAL_TLS_CERT_FILE: CERT })).toEqual([
      expect.stringMatching(/^TEMPORAL_TLS_KEY_FILE: required with TEMPORAL_TLS_CERT_FILE/),
    ]);
    expect(problems({ LOCAL_MODE: 'true', KAFKA_TLS_KEY_FILE: KEY })).toEqual([
      expect.stringMatching(/^KAFKA_TLS_CERT_FILE: required with KAFKA_TLS_KEY_FILE/),
    ]);
  });

  it('SASL needs a mechanism, a user name and a password', () => {
    expect(problems({ LOCAL_MODE: 'true', KAFKA_SASL_USERNAME: 'projector' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: required with the other/),
      expect.stringMatching(/^KAFKA_SASL_PASSWORD: required with the other/),
    ]);
    expect(problems({ LOCAL_MODE: 'true', KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: /),
    ]);
  });

  it('a file that cannot be read is named, and its content never printed', () => {
    const [problem] = problems({ LOCAL_MODE: 'true', KAFKA_TLS_CA_FILE: '/no/such/ca.pem' });
    expect(problem).toBe('KAFKA_TLS_CA_FILE: file not found or not readable');
  });

  it('TLS turned off explicitly contradicts a client certificate', () => {
    expect(
      problems({
        LOCAL_MODE: 'true',
        KAFKA_TLS: 'false',
        KAFKA_TLS_CA_FILE: CA,
      }),
    ).toEqual([expect.stringMatching(/^KAFKA_TLS: cannot be false/)]);
    expect(
      problems({ LOCAL_MODE: 'true', MONGO_TLS_CA_FILE: CA, MONGO_URL: 'mongodb://db:27017/' }),
    ).toEqual([expect.stringMatching(/^MONGO_URL: add tls=true/)]);
  });
});

describe('connections: secrets outside local mode', () => {
  it('refuses placeholder passwords and keys, naming the variable, never the value', () => {
    const found = problems({
      NODE_ENV: 'staging',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'projector',
      KAFKA_SASL_PASSWORD: 'CHANGE-ME-kafka',
      MONGO_URL: 'mongodb://api:Change_Me@db:27017/?authSource=admin',
      TEMPORAL_API_KEY: 'change-me',
    });
    expect(found).toEqual([
      'TEMPORAL_API_KEY: is a placeholder (contains "change-me"): set a real secret',
      'KAFKA_SASL_PASSWORD: is a placeholder (contains "change-me"): set a real secret',
      'MONGO_URL: is a placeholder (contains "change-me"): set a real secret',
    ]);
    expect(found.join('\n')).not.toMatch(/CHANGE-ME-kafka|Change_Me/);
  });

  it('local mode accepts them (the laptop stack has no real secrets)', () => {
    expect(
      problems({
        LOCAL_MODE: 'true',
        MONGO_URL: 'mongodb://api:change-me@127.0.0.1:27017/',
      }),
    ).toEqual([]);
  });

  it('reads the password out of a MongoDB URL, percent-decoded', () => {
    expect(mongoUrlPassword('mongodb://u:p%40ss@h/')).toBe('p@ss');
    expect(mongoUrlPassword('mongodb://h:27017/')).toBeUndefined();
    expect(mongoUrlPassword('mongodb+srv://u@h/')).toBeUndefined();
  });
});

describe('connections: what the clients receive', () => {
  const local = (env: NodeJS.ProcessEnv) =>
    loadConfig(serverConfigSchema, { LOCAL_MODE: 'true', ...env });

  it('Temporal: plain address by default; CA, client pair, server name and API key when set', () => {
    expect(temporalConnectionOptions(local({}))).toEqual({ address: '127.0.0.1:7233' });
    const options = temporalConnectionOptions(
      local({
        TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
        TEMPORAL_TLS_CA_FILE: CA,
        TEMPORAL_TLS_CERT_FILE: CERT,
        TEMPORAL_TLS_KEY_FILE: KEY,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
        TEMPORAL_API_KEY: 'key-1',
      }),
    );
    expect(options).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: {
        serverRootCACertificate: Buffer.from('CA'),
        clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
        serverNameOverride: 'temporal.internal',
      },
      apiKey: 'key-1',
    });
    // TLS with the system's CAs (Temporal Cloud with an API key).
    expect(temporalConnectionOptions(local({ TEMPORAL_API_KEY: 'key-1' }))).toEqual({
      address: '127.0.0.1:7233',
      tls: {},
      apiKey: 'key-1',
    });
  });

  it('Kafka: nothing by default; ssl and SCRAM when set', () => {
    expect(kafkaSecurity(local({}))).toEqual({});
    expect(kafkaSecurity(local({ KAFKA_TLS: 'true' }))).toEqual({ ssl: true });
    expect(
      kafkaSecurity(
        local({
          KAFKA_TLS_CA_FILE: CA,
          KAFKA_TLS_CERT_FILE: CERT,
          KAFKA_TLS_KEY_FILE: KEY,
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: 'orders-worker',
          KAFKA_SASL_PASSWORD: 'pw',
        }),
      ),
    ).toEqual({
      ssl: { ca: [Buffer.from('CA')], cert: Buffer.from('CERT'), key: Buffer.from('KEY') },
      sasl: { mechanism: 'scram-sha-512', username: 'orders-worker', password: 'pw' },
    });
  });

  it('MongoDB: the CA and client certificate files', () => {
    expect(mongoClientOptions(local({}))).toEqual({ monitorCommands: true });
    expect(
      mongoClientOptions(
        local({
          MONGO_URL: 'mongodb://h/?tls=true',
          MONGO_TLS_CA_FILE: CA,
          MONGO_TLS_CERT_KEY_FILE: CERT,
        }),
      ),
    ).toEqual({ monitorCommands: true, tlsCAFile: CA, tlsCertificateKeyFile: CERT });
  });
});
