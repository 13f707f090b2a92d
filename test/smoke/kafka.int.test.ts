import { randomUUID } from 'node:crypto';
import { type Admin, ConfigResourceTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import { testServers } from '../setup/servers';

jest.setTimeout(120_000);

describe('Kafka broker (smoke)', () => {
  const { kafkaBrokers } = testServers();
  const kafka = new Kafka({ clientId: 'smoke', brokers: kafkaBrokers, logLevel: logLevel.WARN });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
  });

  it('round-trips a message through a consumer group', async () => {
    const topic = `smoke.${randomUUID()}`;
    // The broker has auto.create.topics.enable=false, as production should.
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key?: string; value?: string }>((resolve) => {
        void consumer.run({
          eachMessage: ({ message }) => {
            resolve({ key: message.key?.toString(), value: message.value?.toString() });
            return Promise.resolve();
          },
        });
      });
      await producer.send({ topic, messages: [{ key: 'order-1', value: '{"ok":true}' }] });
      await expect(received).resolves.toEqual({ key: 'order-1', value: '{"ok":true}' });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] });
    }
  });

  it(`has ${ORDER_EVENTS_TOPIC} kept forever`, async () => {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: ORDER_EVENTS_TOPIC,
          configNames: ['retention.ms'],
        },
      ],
    });
    const entry = res.resources[0]?.configEntries.find((e) => e.configName === 'retention.ms');
    expect(entry?.configValue).toBe('-1');
  });
});
