import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  kafkaJvmArgs,
  newClusterId,
  renderLog4jProperties,
  renderServerProperties,
  storageFormatArgs,
} from '../../stack/kafka-config';
import { mongoArgs, mongoUrlFor } from '../../stack/mongo-args';
import { temporalArgs } from '../../stack/temporal-args';
import { FERRETDB_VERSION, KAFKA_VERSION } from '../../stack/versions';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { parseProps } from './properties';

describe('renderServerProperties', () => {
  const props = parseProps(
    renderServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/s/kafka/data' }),
  );

  it('configures a single-node KRaft broker on loopback', () => {
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:19093',
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:19092',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': '/s/kafka/data',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('never auto-creates topics', () => {
    expect(props['auto.create.topics.enable']).toBe('false');
    expect(props['num.partitions']).toBe('1');
  });
});

describe('Kafka JVM command lines', () => {
  const jvm = {
    libsDir: '/c/libs',
    configFile: '/s/server.properties',
    log4jFile: '/s/log4j.properties',
  };

  it('runs kafka.Kafka with a bounded heap and the log4j config', () => {
    const args = kafkaJvmArgs(jvm);
    expect(args).toContain('-Xmx512m');
    expect(args).toContain('-XX:TieredStopAtLevel=1'); // no C2 compilations while tests run
    expect(args).toContain('-Dlog4j.configuration=file:/s/log4j.properties');
    expect(args.slice(-4)).toEqual(['-cp', '/c/libs/*', 'kafka.Kafka', '/s/server.properties']);
  });

  it('formats storage idempotently with the given cluster id', () => {
    expect(storageFormatArgs(jvm, 'abc').slice(-7)).toEqual([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'abc',
      '-c',
      '/s/server.properties',
      '-g',
    ]);
  });

  it('makes 22-character base64url cluster ids that do not look like flags', () => {
    for (let i = 0; i < 200; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });

  it('logs to the console appender (the log file) at INFO', () => {
    expect(renderLog4jProperties()).toMatch(/^log4j\.rootLogger=INFO, stdout$/m);
  });
});

describe('temporalArgs', () => {
  it('starts a persistent dev server with the UI and every search attribute', () => {
    const args = temporalArgs({
      port: 17233,
      uiPort: 18233,
      dbFile: '/s/temporal/temporal.db',
      searchAttributes: SEARCH_ATTRIBUTES,
    });
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(flag('--ip')).toBe('127.0.0.1');
    expect(flag('--port')).toBe('17233');
    expect(flag('--ui-port')).toBe('18233');
    expect(flag('--db-filename')).toBe('/s/temporal/temporal.db');
    expect(flag('--namespace')).toBe('default');
    expect(args).not.toContain('--headless');
    const pragmas = args.flatMap((a, i) => (args[i - 1] === '--sqlite-pragma' ? [a] : []));
    expect(pragmas).toEqual(['journal_mode=wal', 'synchronous=normal']);
    const attrs = args.flatMap((a, i) => (args[i - 1] === '--search-attribute' ? [a] : []));
    expect(attrs).toEqual(['OrderStatus=Keyword', 'CustomerId=Keyword', 'OrderTotal=Int']);
    expect(args).not.toContain('--ui-codec-endpoint');
  });

  it('points the UI at a codec server when given one', () => {
    const args = temporalArgs({
      port: 17233,
      uiPort: 18233,
      dbFile: '/s/temporal/temporal.db',
      searchAttributes: {},
      uiCodecEndpoint: 'http://127.0.0.1:3000/codec',
    });
    expect(args[args.indexOf('--ui-codec-endpoint') + 1]).toBe('http://127.0.0.1:3000/codec');
  });
});

describe('mongoArgs', () => {
  const ports = { mongo: 27117, mongoPostgres: 15433 };
  it('binds FerretDB (with its PostgreSQL) or mongod to loopback with the data dir', () => {
    const ferret = { kind: 'ferretdb', path: '/c/ferretdb-local', pgBin: '/pg/bin' } as const;
    expect(mongoArgs(ferret, ports, '/s/mongo')).toEqual([
      '-listen',
      '127.0.0.1:27117',
      '-data',
      '/s/mongo',
      '-pg-bin',
      '/pg/bin',
      '-pg-port',
      '15433',
    ]);
    expect(mongoArgs({ kind: 'mongod', path: '/usr/bin/mongod' }, ports, '/s/mongo')).toEqual([
      '--dbpath',
      '/s/mongo',
      '--bind_ip',
      '127.0.0.1',
      '--port',
      '27117',
    ]);
  });

  it('gives a URL without a pool limit (FerretDB 1 needed maxPoolSize=20; FerretDB 2 does not)', () => {
    expect(mongoUrlFor(27117)).toBe('mongodb://127.0.0.1:27117/');
  });
});

describe('pinned versions', () => {
  const read = (f: string): string => readFileSync(path.join(__dirname, '../../stack', f), 'utf8');

  it('match stack/kafka/pom.xml and stack/ferretdb/go.mod (they name the cache dirs)', () => {
    expect(read('kafka/pom.xml')).toMatch(
      new RegExp(`<artifactId>kafka_2\\.13</artifactId>\\s*<version>${KAFKA_VERSION}</version>`),
    );
    expect(read('ferretdb/go.mod')).toContain(
      `github.com/FerretDB/FerretDB/v2 v${FERRETDB_VERSION}`,
    );
  });
});
