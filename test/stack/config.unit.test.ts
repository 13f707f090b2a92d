import path from 'node:path';
import {
  DEFAULT_PORTS,
  kafkaPartitionsFromEnv,
  selectProviders,
  splitBrokers,
  stackDirFromEnv,
  stackPortsFromEnv,
} from '../../stack/config';

describe('selectProviders', () => {
  it('starts every server locally when the env names none', () => {
    expect(selectProviders({})).toEqual({
      temporal: { kind: 'local' },
      kafka: { kind: 'local' },
      mongo: { kind: 'local' },
    });
  });

  it('uses each server the env names, independently', () => {
    expect(
      selectProviders({ KAFKA_BROKERS: ' 10.0.0.1:9092,10.0.0.2:9092 ', MONGO_URL: '' }),
    ).toEqual({
      temporal: { kind: 'local' },
      kafka: { kind: 'external', address: '10.0.0.1:9092,10.0.0.2:9092' },
      mongo: { kind: 'local' }, // empty counts as unset
    });
  });
});

describe('stackPortsFromEnv', () => {
  it('defaults to the well-known ports', () => {
    expect(stackPortsFromEnv({})).toEqual(DEFAULT_PORTS);
    expect(DEFAULT_PORTS).toEqual({
      temporal: 7233,
      temporalUi: 8233,
      kafka: 9092,
      kafkaController: 9093,
      mongo: 27017,
      mongoPostgres: 15432,
    });
  });

  it('applies overrides, moving the controller along with the broker', () => {
    expect(
      stackPortsFromEnv({ STACK_KAFKA_PORT: '19092', STACK_TEMPORAL_PORT: '17233' }),
    ).toMatchObject({ temporal: 17233, kafka: 19092, kafkaController: 19093 });
    expect(
      stackPortsFromEnv({ STACK_KAFKA_PORT: '19092', STACK_KAFKA_CONTROLLER_PORT: '29093' }),
    ).toMatchObject({ kafka: 19092, kafkaController: 29093 });
  });

  it('rejects invalid and colliding ports, naming the variable', () => {
    expect(() => stackPortsFromEnv({ STACK_MONGO_PORT: 'abc' })).toThrow(/STACK_MONGO_PORT/);
    expect(() => stackPortsFromEnv({ STACK_MONGO_PORT: '70000' })).toThrow(/STACK_MONGO_PORT/);
    expect(() => stackPortsFromEnv({ STACK_MONGO_PORT: '7233' })).toThrow(/distinct/);
  });
});

describe('stackDirFromEnv', () => {
  it('defaults to <repo>/.stack and honours STACK_DIR', () => {
    expect(stackDirFromEnv({}, '/repo')).toBe(path.join('/repo', '.stack'));
    expect(stackDirFromEnv({ STACK_DIR: '/data/stack' }, '/repo')).toBe('/data/stack');
  });
});

describe('kafkaPartitionsFromEnv / splitBrokers', () => {
  it('defaults to 6 partitions and validates overrides', () => {
    expect(kafkaPartitionsFromEnv({})).toBe(6);
    expect(kafkaPartitionsFromEnv({ KAFKA_ORDER_EVENTS_PARTITIONS: '3' })).toBe(3);
    expect(() => kafkaPartitionsFromEnv({ KAFKA_ORDER_EVENTS_PARTITIONS: '0' })).toThrow();
  });

  it('splits a broker list', () => {
    expect(splitBrokers(' a:1, b:2 ,,')).toEqual(['a:1', 'b:2']);
  });
});
