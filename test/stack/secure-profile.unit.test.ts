import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECTOR_GROUP_ID } from '../../contracts/consumer-groups';
import { processName, SERVICES } from '../../contracts/services';
import { SYSTEM_PROCESSES } from '../../system/processes';
import { stackDirFromEnv } from '../../stack/config';
import { renderServerProperties, storageFormatArgs } from '../../stack/kafka-config';
import { mongoArgs, mongoUrlFor } from '../../stack/mongo-args';
import { claimProfile, stackProfileFromEnv } from '../../stack/profile';
import {
  ACCESS,
  clientEnv,
  kafkaAcls,
  PRINCIPALS,
  renderEnvFile,
  STACK_ADMIN,
} from '../../stack/secure-principals';
import { parseFrontArgs } from '../../stack/temporal-tls-front';
import type { StackClientSecurity } from '../../stack/types';
import { parseProps } from './properties';

describe('STACK_PROFILE', () => {
  it('is default unless set to secure, and refuses anything else by name', () => {
    expect(stackProfileFromEnv({})).toBe('default');
    expect(stackProfileFromEnv({ STACK_PROFILE: ' secure ' })).toBe('secure');
    expect(() => stackProfileFromEnv({ STACK_PROFILE: 'safe' })).toThrow(/^STACK_PROFILE must/);
  });

  it('gives the secure profile a stack directory of its own inside .stack', () => {
    expect(stackDirFromEnv({}, '/repo')).toBe('/repo/.stack');
    expect(stackDirFromEnv({ STACK_PROFILE: 'secure' }, '/repo')).toBe('/repo/.stack/secure');
    expect(stackDirFromEnv({ STACK_PROFILE: 'secure', STACK_DIR: '/s' }, '/repo')).toBe('/s');
  });
});

describe('claimProfile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'profile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records the profile of a new directory and refuses the other one later', async () => {
    await claimProfile(dir, 'secure');
    await claimProfile(dir, 'secure');
    expect(readFileSync(path.join(dir, 'profile'), 'utf8')).toBe('secure\n');
    await expect(claimProfile(dir, 'default')).rejects.toThrow(/holds a 'secure' profile stack/);
  });

  it("takes a directory with data of a stack from before profiles for a 'default' one", async () => {
    mkdirSync(path.join(dir, 'kafka', 'data'), { recursive: true });
    writeFileSync(path.join(dir, 'kafka', 'data', 'meta.properties'), '');
    await expect(claimProfile(dir, 'secure')).rejects.toThrow(/holds a 'default' profile/);
    await claimProfile(dir, 'default');
  });
});

describe("the secure profile's Kafka broker", () => {
  const props = parseProps(
    renderServerProperties({
      port: 19092,
      controllerPort: 19093,
      dataDir: '/s/kafka/data',
      security: {
        keystorePemFile: '/s/secure/tls/broker.pem',
        caFile: '/s/secure/tls/ca.crt',
        brokerSubject: 'CN=order-saga-local-stack',
        adminUser: 'stack-admin',
        adminPassword: 'pw',
      },
    }),
  );

  it('serves clients SASL_SSL with SCRAM-SHA-512 only, and the controller TLS with client certificates', () => {
    expect(props).toMatchObject({
      listeners: 'SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'SASL_SSL://127.0.0.1:19092',
      'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:SSL',
      'inter.broker.listener.name': 'SASL_SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.controller.ssl.client.auth': 'required',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': '/s/secure/tls/broker.pem',
    });
    expect(props['listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config']).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="stack-admin" password="pw";',
    );
  });

  it('authorizes with ACLs: only the stack and the broker itself are super users', () => {
    expect(props['authorizer.class.name']).toBe(
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    expect(props['super.users']).toBe('User:stack-admin;User:CN=order-saga-local-stack');
    expect(props['allow.everyone.if.no.acl.found']).toBe('false');
  });

  it('formats the SCRAM users into the storage', () => {
    const jvm = { libsDir: '/c/libs', configFile: '/s/p', log4jFile: '/s/l' };
    expect(storageFormatArgs(jvm, 'abc', [{ name: 'projector', password: 'x' }]).slice(-2)).toEqual(
      ['--add-scram', 'SCRAM-SHA-512=[name=projector,password=x]'],
    );
  });

  it('grants write on order.events to the orders worker only, and the projector its reads and the dead-letter topic', () => {
    const acls = kafkaAcls().map(
      (a) => `${a.principal} ${a.operation} ${a.resourceType} ${a.pattern} ${a.name}`,
    );
    expect(acls.sort()).toEqual([
      `projector read group prefixed ${PROJECTOR_GROUP_ID}`,
      'projector read topic literal order.events',
      'projector write topic literal order.events.DLT',
      'worker-orders write topic literal order.events',
    ]);
  });
});

describe('principals and their client environment', () => {
  const files = {
    caFile: '/s/ca.crt',
    clientCert: (p: string) => ({ certFile: `/s/${p}.crt`, keyFile: `/s/${p}.key` }),
  };
  const addrs = {
    temporalAddress: '127.0.0.1:7233',
    kafkaBrokers: ['127.0.0.1:9092'],
    mongoHost: '127.0.0.1:27017',
  };

  it('has one principal per process of the system, plus the stack admin', () => {
    expect([...PRINCIPALS].sort()).toEqual(
      [STACK_ADMIN, ...Object.values(SYSTEM_PROCESSES).map((p) => p.process)].sort(),
    );
  });

  it('gives the projector Kafka and its database but no Temporal certificate', () => {
    const env = clientEnv('projector', addrs, files, { kafka: 'k', mongo: 'm' });
    expect(env).toEqual({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CA_FILE: '/s/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: '/s/ca.crt',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'projector',
      KAFKA_SASL_PASSWORD: 'k',
      MONGO_URL: 'mongodb://projector:m@127.0.0.1:27017/?authSource=admin&tls=true',
      MONGO_TLS_CA_FILE: '/s/ca.crt',
    });
  });

  it('gives the orders worker a Temporal certificate and Kafka, and no database user', () => {
    const env = clientEnv('worker-orders', addrs, files, { kafka: 'k', mongo: 'm' });
    expect(env).toMatchObject({
      TEMPORAL_TLS_CERT_FILE: '/s/worker-orders.crt',
      TEMPORAL_TLS_KEY_FILE: '/s/worker-orders.key',
      KAFKA_SASL_USERNAME: 'worker-orders',
      MONGO_URL: 'mongodb://127.0.0.1:27017/?tls=true',
    });
  });

  it('gives the service workers no Kafka user (only the orders worker publishes)', () => {
    for (const p of SERVICES.filter((s) => s !== 'orders').map(processName)) {
      expect(ACCESS[p]).toEqual({ temporal: true, kafka: false, mongo: true });
      expect(clientEnv(p, addrs, files, { kafka: 'k', mongo: 'm' })).not.toHaveProperty(
        'KAFKA_SASL_USERNAME',
      );
    }
  });

  it('writes env files as KEY=value lines', () => {
    expect(renderEnvFile('api', { A: '1', B: 'x y' }).split('\n').slice(1)).toEqual([
      'A=1',
      'B=x y',
      '',
    ]);
  });
});

describe("the secure profile's FerretDB and Temporal command lines", () => {
  const client = {} as StackClientSecurity;

  it('runs ferretdb-local with users and a TLS listener', () => {
    const ferret = { kind: 'ferretdb', path: '/c/ferretdb-local', pgBin: '/pg/bin' } as const;
    const secure = { certFile: '/t/s.crt', keyFile: '/t/s.key', usersFile: '/t/u.json', client };
    const args = mongoArgs(ferret, { mongo: 27117, mongoPostgres: 15433 }, '/s/mongo', secure);
    expect(args.slice(-6)).toEqual([
      '-users-file',
      '/t/u.json',
      '-tls-cert',
      '/t/s.crt',
      '-tls-key',
      '/t/s.key',
    ]);
    expect(mongoUrlFor(27117, true)).toBe('mongodb://127.0.0.1:27117/?tls=true');
  });

  it('parses the TLS front command line, the dev server after --', () => {
    const args = parseFrontArgs([
      '--listen',
      '127.0.0.1:7233',
      '--upstream',
      '127.0.0.1:40000',
      '--cert',
      '/c',
      '--key',
      '/k',
      '--ca',
      '/a',
      '--',
      '/bin/temporal',
      'server',
      'start-dev',
    ]);
    expect(args).toEqual({
      listen: { host: '127.0.0.1', port: 7233 },
      upstream: { host: '127.0.0.1', port: 40000 },
      cert: '/c',
      key: '/k',
      ca: '/a',
      command: ['/bin/temporal', 'server', 'start-dev'],
    });
    expect(() => parseFrontArgs(['--listen', '127.0.0.1:1'])).toThrow(/-- <command/);
  });
});
