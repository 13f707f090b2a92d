import { EventEmitter } from 'node:events';
import type { MetricMeter } from '@temporalio/common';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { countKafkaRequests, KAFKA_REQUESTS_METRIC } from '../../lib/kafka-request-metrics';

/** A kafkajs client whose producers, consumers and admins emit request events on demand. */
function fakeKafka() {
  const clients: EventEmitter[] = [];
  const make = (prefix: string) => () => {
    const emitter = new EventEmitter();
    clients.push(emitter);
    return Object.assign(emitter, { events: { REQUEST: `${prefix}.network.request` } });
  };
  const kafka = { producer: make('producer'), consumer: make('consumer'), admin: make('admin') };
  // The part of kafkajs's RequestEvent the counter reads.
  const request = (client: EventEmitter, apiName: string) =>
    client.emit((client as unknown as { events: { REQUEST: string } }).events.REQUEST, {
      payload: { apiName },
    });
  return { kafka: kafka as unknown as Kafka, clients, request };
}

describe('Kafka request metrics', () => {
  it('counts each request of every producer, consumer and admin by client and API', async () => {
    const { kafka, clients, request } = fakeKafka();
    const registry = new Registry();
    countKafkaRequests(kafka, registry, 'order-projector');
    kafka.producer();
    kafka.consumer({ groupId: 'g' });
    kafka.admin();
    request(clients[0], 'Produce');
    request(clients[0], 'Produce');
    request(clients[1], 'Fetch');
    request(clients[2], 'Metadata');
    const metric = await registry.getSingleMetric(KAFKA_REQUESTS_METRIC)?.get();
    expect(metric?.values.map((v) => [v.labels.client, v.labels.api, v.value])).toEqual([
      ['order-projector', 'Produce', 2],
      ['order-projector', 'Fetch', 1],
      ['order-projector', 'Metadata', 1],
    ]);
  });

  it("counts on a Temporal runtime's meter too, and shares one counter per registry", () => {
    const { kafka, clients, request } = fakeKafka();
    const added: [number, Record<string, unknown> | undefined][] = [];
    const meter = {
      createCounter: () => ({
        add: (n: number, tags?: Record<string, unknown>) => added.push([n, tags]),
      }),
    } as unknown as MetricMeter;
    countKafkaRequests(kafka, meter, 'order-saga-orders');
    kafka.producer();
    request(clients[0], 'Produce');
    expect(added).toEqual([[1, { client: 'order-saga-orders', api: 'Produce' }]]);

    const registry = new Registry();
    const second = fakeKafka();
    countKafkaRequests(second.kafka, registry, 'a');
    countKafkaRequests(second.kafka, registry, 'b'); // no "already registered" error
    expect(registry.getMetricsAsArray()).toHaveLength(1);
  });
});
