import type { Kafka, Message, Producer, ProducerBatch } from 'kafkajs';
import pino from 'pino';
import { createKafkaPublisher, type MessagePublisher, type OutgoingMessage } from '../../lib/kafka';

// createKafkaPublisher against a fake kafkajs producer whose sends the test completes by hand:
// what is coalesced into one send, in what order, and who learns of a failed send.

interface FakeSend {
  topic: string;
  values: string[];
  acks: number | undefined;
  producer: number;
  succeed(): void;
  fail(error: Error): void;
}

function fakeKafka() {
  const sends: FakeSend[] = [];
  const configs: unknown[] = [];
  const disconnected: number[] = [];
  let created = 0;
  const kafka = {
    producer(config: unknown) {
      configs.push(config);
      const id = ++created;
      const producer = {
        connect: () => Promise.resolve(),
        disconnect: () => {
          disconnected.push(id);
          return Promise.resolve();
        },
        sendBatch: (batch: ProducerBatch) =>
          new Promise((resolve, reject) => {
            expect(batch.topicMessages).toHaveLength(1);
            const [{ topic, messages }] = batch.topicMessages!;
            sends.push({
              topic,
              values: messages.map((m: Message) => String(m.value)),
              acks: batch.acks,
              producer: id,
              succeed: () => resolve([]),
              fail: reject,
            });
          }),
      };
      return producer as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, sends, configs, disconnected, created: () => created };
}

const msg = (key: string | null, value: string): OutgoingMessage => ({
  key,
  value,
  headers: { ce_id: value },
});

/** Lets queued promise callbacks run (the fake's sends are pushed asynchronously). */
const settle = () => new Promise((r) => setImmediate(r));

/** Completes the fake's send `index` and lets its callers settle. */
async function succeedSend(fake: ReturnType<typeof fakeKafka>, index: number) {
  fake.sends[index].succeed();
  await settle();
}

const logger = pino({ level: 'silent' });

/** A publisher over a fresh fake producer. */
function fakePublisher(options?: Parameters<typeof createKafkaPublisher>[2]) {
  const fake = fakeKafka();
  return { fake, publisher: createKafkaPublisher(fake.kafka, logger, options) };
}

type Outcome = 'pending' | 'ok' | Error;
function track(p: Promise<void>) {
  const state: { outcome: Outcome } = { outcome: 'pending' };
  p.then(
    () => (state.outcome = 'ok'),
    (e: Error) => (state.outcome = e),
  );
  return state;
}

/** Publishes one message to topic t and lets its send reach the fake. */
async function publishOne(publisher: MessagePublisher, key: string, value: string) {
  const outcome = track(publisher.publish('t', [msg(key, value)]));
  await settle();
  return outcome;
}

describe('createKafkaPublisher (fake producer)', () => {
  it('uses one idempotent producer, one request in flight, acks=all', async () => {
    const { fake, publisher } = fakePublisher();
    const a = await publishOne(publisher, 'k1', 'a');
    expect(fake.configs).toEqual([
      expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }),
    ]);
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0].acks).toBe(-1);
    await succeedSend(fake, 0);
    expect(a.outcome).toBe('ok');
  });

  it('coalesces publishes that arrive while a send is in flight into the next send, in order', async () => {
    const { fake, publisher } = fakePublisher();
    const first = await publishOne(publisher, 'k1', 'a');
    const later = [
      track(publisher.publish('t', [msg('k2', 'b')])),
      track(publisher.publish('t', [msg('k1', 'c'), msg('k3', 'd')])),
      track(publisher.publish('t', [msg(null, 'e')])),
    ];
    await settle();
    // One send in flight: the others wait for it.
    expect(fake.sends.map((s) => s.values)).toEqual([['a']]);
    expect(later.map((l) => l.outcome)).toEqual(['pending', 'pending', 'pending']);

    await succeedSend(fake, 0);
    expect(first.outcome).toBe('ok');
    // Each caller settles with the send that carries its messages, not before.
    expect(later.map((l) => l.outcome)).toEqual(['pending', 'pending', 'pending']);
    expect(fake.sends.map((s) => s.values)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    await succeedSend(fake, 1);
    expect(later.map((l) => l.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(fake.created()).toBe(1);
  });

  it('sends one topic per send, and caps a coalesced send by bytes without skipping ahead', async () => {
    const fake = fakeKafka();
    // Each "big" publish counts ~325 bytes (its value twice: value and ce_id header).
    const publisher = createKafkaPublisher(fake.kafka, logger, { maxBatchBytes: 400 });
    const big = 'x'.repeat(150);
    const all = [
      publisher.publish('t', [msg('k0', 'first')]),
      publisher.publish('t', [msg('k1', `${big}1`)]),
      publisher.publish('dlt', [msg('k1', 'dead')]),
      publisher.publish('t', [msg('k2', `${big}2`)]),
      publisher.publish('t', [msg('k3', 'small')]),
      publisher.publish('t', [msg('k4', `${big}${big}${big}3`)]),
    ];
    for (let i = 0; i < 5; i++) {
      await settle();
      fake.sends[i].succeed();
    }
    await Promise.all(all);
    expect(fake.sends.map((s) => [s.topic, s.values.map((v) => v.slice(-5))])).toEqual([
      ['t', ['first']],
      // big2 would not fit beside big1.
      ['t', ['xxxx1']],
      // The other topic's publish goes once it is at the head of the queue.
      ['dlt', ['dead']],
      ['t', ['xxxx2', 'small']],
      // Over the cap on its own: it still goes, alone.
      ['t', ['xxxx3']],
    ]);
  });

  it('a failed send rejects all its callers, discards the producer, and the next send uses a fresh one', async () => {
    const { fake, publisher } = fakePublisher();
    const first = await publishOne(publisher, 'k1', 'a');
    const second = [
      track(publisher.publish('t', [msg('k2', 'b')])),
      track(publisher.publish('t', [msg('k3', 'c')])),
    ];
    await settle();
    await succeedSend(fake, 0);
    const third = track(publisher.publish('t', [msg('k4', 'd')]));
    const boom = new Error('NOT_ENOUGH_REPLICAS');
    fake.sends[1].fail(boom);
    await settle();
    expect(first.outcome).toBe('ok');
    expect(second.map((s) => s.outcome)).toEqual([boom, boom]);
    expect(fake.disconnected).toEqual([1]);
    // The publish queued behind the failed send (another key) goes out on a new producer.
    expect(fake.sends[2]).toMatchObject({ values: ['d'], producer: 2 });
    await succeedSend(fake, 2);
    expect(third.outcome).toBe('ok');
  });

  it("never lets a key's later message overtake its earlier one that failed", async () => {
    const { fake, publisher } = fakePublisher();
    const failing = await publishOne(publisher, 'k1', 'a1');
    const sameKey = track(publisher.publish('t', [msg('k1', 'a2')]));
    // Shares k9 with the blocked publish: blocked too, transitively.
    const linked = track(publisher.publish('t', [msg('k9', 'x'), msg('k1', 'a3')]));
    const viaLinked = track(publisher.publish('t', [msg('k9', 'y')]));
    const otherTopic = track(publisher.publish('u', [msg('k1', 'u1')]));
    const other = await publishOne(publisher, 'k2', 'b');
    const boom = new Error('REQUEST_TIMED_OUT');
    fake.sends[0].fail(boom);
    await settle();
    expect(failing.outcome).toBe(boom);
    for (const blocked of [sameKey, linked, viaLinked]) {
      expect(blocked.outcome).toBeInstanceOf(Error);
      expect((blocked.outcome as Error).message).toMatch(/earlier message with the same key/);
      expect((blocked.outcome as Error).cause).toBe(boom);
    }
    // Other keys, and the same key on another topic (another partition log), still go.
    expect(fake.sends.slice(1).map((s) => [s.topic, s.values])).toEqual([['u', ['u1']]]);
    await succeedSend(fake, 1);
    expect(fake.sends.slice(2).map((s) => [s.topic, s.values])).toEqual([['t', ['b']]]);
    await succeedSend(fake, 2);
    expect([otherTopic.outcome, other.outcome]).toEqual(['ok', 'ok']);
  });

  it('a failed connection fails its send and is retried by the next publish', async () => {
    let attempts = 0;
    const fake = fakeKafka();
    const base = fake.kafka.producer.bind(fake.kafka);
    const kafka = {
      producer: (config: unknown) => {
        const p = base(config as never);
        if (++attempts === 1)
          (p as { connect: () => Promise<void> }).connect = () =>
            Promise.reject(new Error('ECONNREFUSED'));
        return p;
      },
    } as unknown as Kafka;
    const publisher = createKafkaPublisher(kafka, logger);
    await expect(publisher.publish('t', [msg('k', 'a')])).rejects.toThrow('ECONNREFUSED');
    const again = publisher.publish('t', [msg('k', 'a')]);
    await settle();
    fake.sends[0].succeed();
    await expect(again).resolves.toBeUndefined();
    expect(attempts).toBe(2);
  });

  it('close sends what was accepted, then disconnects; later publishes are refused', async () => {
    const { fake, publisher } = fakePublisher();
    const a = publisher.publish('t', [msg('k1', 'a')]);
    await settle();
    const b = publisher.publish('t', [msg('k2', 'b')]);
    const closing = publisher.close();
    await expect(publisher.publish('t', [msg('k3', 'c')])).rejects.toThrow('publisher is closed');
    await succeedSend(fake, 0);
    expect(fake.disconnected).toEqual([]);
    fake.sends[1].succeed();
    await Promise.all([a, b, closing]);
    expect(fake.disconnected).toEqual([1]);
  });

  it('an empty publish sends nothing', async () => {
    const fake = fakeKafka();
    await createKafkaPublisher(fake.kafka, logger).publish('t', []);
    expect(fake.created()).toBe(0);
  });
});

it('a send that never settles fails after the send timeout, and later publishes still go out', async () => {
  const { kafka, sends, disconnected } = fakeKafka();
  const publisher = createKafkaPublisher(kafka, logger, { sendTimeoutMs: 50 });
  const hung = publisher.publish('t', [msg('a', '1')]);
  await settle();
  expect(sends).toHaveLength(1); // never completed by the test: a broker that does not answer
  await expect(hung).rejects.toThrow('Kafka send did not finish within 50 ms');
  const next = publisher.publish('t', [msg('b', '2')]);
  await settle();
  await settle();
  expect(sends).toHaveLength(2);
  expect(sends[1].producer).toBe(2); // a fresh producer; the stuck one is disconnected
  expect(disconnected).toContain(1);
  sends[1].succeed();
  await expect(next).resolves.toBeUndefined();
});
