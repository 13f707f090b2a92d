import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEventActivities } from '../../activities/events/event-activities';
import { EVENT_HEADERS, headerString } from '../../contracts/event-envelope';
import { EVENT_OWNER } from '../../contracts/events';
import { ORDER_EVENTS_TOPIC } from '../../contracts/topics';
import { createKafka, createKafkaPublisher } from '../../lib/kafka';
import { sagaDrafts, sampleSagas } from '../../testing/sample-streams';
import type { RunningStack, StackPorts } from '../../stack';
import { freeStackPorts, startStack } from '../../stack';
import { mongoUrl, quietLogger, waitFor } from '../projections/kafka-test-kit';

jest.setTimeout(300_000);

// Restarting the shared test broker would disturb other suites, so this test starts a broker
// of its own through the stack API (Temporal and Mongo are named as external: not started).

describe('publishing while the broker restarts', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'order-saga-broker-restart-'));
  let ports: StackPorts;
  let stack: RunningStack | undefined;
  const env = () => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      MONGO_URL: mongoUrl(),
    };
    delete e.KAFKA_BROKERS;
    return e;
  };
  const start = async () => {
    stack = await startStack({ dir, ports, env: env(), onProgress: () => undefined });
    return stack;
  };

  beforeAll(async () => {
    ports = await freeStackPorts();
    await start();
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no event: the activity throws during the outage and its retries publish the same events', async () => {
    const brokers = stack!.kafkaBrokers;
    const logger = quietLogger();
    const kafka = createKafka({ brokers, clientId: 'restart-test', logger });
    const publisher = createKafkaPublisher(kafka, logger);
    const drafts = sampleSagas({ count: 12, prefix: 'rs' }).flatMap(sagaDrafts);
    let failures = 0;
    let published = 0;

    // After a third of the events, publishing waits until the broker is down, so the outage
    // always falls mid-stream (on an idle machine the whole stream once finished before the
    // broker had stopped, and nothing was tested).
    let brokerDown!: () => void;
    const outage = new Promise<void>((resolve) => (brokerDown = resolve));

    // What Temporal's retry-forever policy does with a throwing activity, in miniature.
    const publishing = (async () => {
      for (const draft of drafts) {
        if (published >= drafts.length / 3) await outage;
        const activities = createEventActivities({
          publisher,
          service: EVENT_OWNER[draft.type],
          logger,
        });
        for (;;) {
          try {
            await activities.publishOrderEvent(draft);
            published++;
            break;
          } catch {
            failures++;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      }
    })();

    await waitFor('a third of the events', () => Promise.resolve(published >= drafts.length / 3));
    await stack!.stop();
    brokerDown();
    // The broker stays down until a publish has failed: the client's own retries could
    // otherwise outlast a short outage (seen in a warm CI run: 0 failures after 2 s down).
    await waitFor('a publish to fail during the outage', () => Promise.resolve(failures > 0));
    await start();
    await publishing;
    await publisher.close();
    expect(failures).toBeGreaterThan(0);

    const consumer = kafka.consumer({ groupId: 'restart-test-reader' });
    const seen: { id: string; orderId: string; sequence: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: ORDER_EVENTS_TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        seen.push({
          id: headerString(message.headers, EVENT_HEADERS.id)!,
          orderId: headerString(message.headers, EVENT_HEADERS.subject)!,
          sequence: Number(headerString(message.headers, EVENT_HEADERS.sequence)),
        });
        return Promise.resolve();
      },
    });
    await waitFor(
      'every event to be read back',
      () => Promise.resolve(new Set(seen.map((s) => s.id)).size >= drafts.length),
      60_000,
    );
    await consumer.disconnect();

    const ids = new Set(seen.map((s) => s.id));
    expect(ids.size).toBe(drafts.length);
    // Per order, first occurrences come in sequence order (a retry may add a later duplicate).
    const firstSeen = new Map<string, number[]>();
    const counted = new Set<string>();
    for (const s of seen) {
      if (counted.has(s.id)) continue;
      counted.add(s.id);
      firstSeen.set(s.orderId, [...(firstSeen.get(s.orderId) ?? []), s.sequence]);
    }
    for (const sequences of firstSeen.values()) {
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
  });
});
