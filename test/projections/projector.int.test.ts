import { DLT_HEADERS } from '../../contracts/dead-letter';
import { EVENT_HEADERS, toEventMessage } from '../../contracts/event-envelope';
import { orderEventId } from '../../contracts/event-id';
import { deadLetterTopic } from '../../contracts/topics';
import { readDeadLetters } from '../../projections/cli/dlt';
import { foldOrder } from '../../projections/fold/order-view';
import type { ActiveReadModels } from '../../projections/store/pointers';
import { generationReadModels, readActiveReadModels } from '../../projections/store/pointers';
import type { ProjectorOptions } from '../../projections/runtime/projector';
import { createReadModelReader } from '../../projections/store/read-model-reader';
import { rebuildReadModels } from '../../projections/cli/rebuild';
import { orderStream, placed, priced, sagaEvents, sampleSagas } from '../../testing/sample-streams';
import {
  expectCleanReadModels,
  messagesOf,
  quietLogger,
  readAll,
  unique,
  waitFor,
} from './kafka-test-kit';
import { caughtUp, ProjectorTestBed, sampleStreams } from './projector-test-bed';

jest.setTimeout(120_000);

describe('projector against Kafka and a MongoDB-wire server', () => {
  const bed = ProjectorTestBed.forFile('projector-int');

  async function setup(partitions: number) {
    const topic = await bed.createTopic('order.events.test', partitions);
    const db = bed.freshDb('read');
    const readModels: ActiveReadModels = {
      ...generationReadModels('live'),
      groupId: unique('group'),
    };
    const start = (options: Pick<ProjectorOptions, 'onProgress'> = {}) =>
      bed.startProjector({
        db,
        readModels,
        topic,
        sessionTimeoutMs: 6_000,
        chunkSize: 50,
        ...options,
      });
    return { topic, db, readModels, start };
  }

  it('folds a stream of many orders into exact read models, redeliveries included', async () => {
    const { topic, db, readModels, start } = await setup(3);
    const streams = sampleStreams('o', { count: 70, customers: 9, skus: 7 });
    const all = streams.flat();
    // Interleave orders and publish a tenth of the events twice (producer retries).
    const interleaved = [...all].sort(
      (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.orderId.localeCompare(b.orderId),
    );
    const withDuplicates = interleaved.flatMap((e, i) => (i % 10 === 3 ? [e, e] : [e]));
    await bed.publish(topic, withDuplicates);

    const projector = await start();
    await caughtUp(projector);

    await expectCleanReadModels(db, readModels.collections, streams);

    // A second projector on a fresh registry shows the same lag and the metrics counted.
    const lag = await projector.lag();
    expect(lag).toHaveLength(3);
    expect(lag.reduce((n, p) => n + p.end, 0)).toBe(withDuplicates.length);
  });

  it('two instances racing over the same customers and SKUs from different partitions keep the aggregates exact', async () => {
    // Each instance owns two of the four partitions and projects both at once; every partition
    // holds orders of the same three customers and two SKUs, so four chunks at a time update
    // the same aggregate documents (FerretDB 1.24 lost such racing increments).
    const { topic, db, readModels, start } = await setup(4);
    const applied = [0, 0];
    const instances = [];
    for (const i of [0, 1]) {
      instances.push(await start({ onProgress: ({ counts }) => (applied[i] += counts.applied) }));
    }
    await waitFor('both instances in the group', async () => {
      const [group] = (await bed.admin.describeGroups([readModels.groupId])).groups;
      return group?.state === 'Stable' && group.members.length === 2;
    });
    const streams = sampleStreams('x', { count: 80, customers: 3, skus: 2 });
    await bed.publish(topic, streams.flat());
    await caughtUp(instances[0]);

    await expectCleanReadModels(db, readModels.collections, streams);
    expect(applied[0]).toBeGreaterThan(0);
    expect(applied[1]).toBeGreaterThan(0);
  });

  it('dead-letters a poison event with its reason and keeps applying later events', async () => {
    const { topic, db, readModels, start } = await setup(1);
    const [good1, poisoned, good2] = sampleSagas({ count: 3, prefix: unique('p') }).map(sagaEvents);
    const bad = toEventMessage(poisoned[0]);
    bad.value = JSON.stringify({ customerId: 42 }); // breaks the OrderPlaced schema
    await bed.publisher.publish(topic, [
      ...messagesOf(good1),
      bad,
      ...messagesOf(poisoned.slice(1)),
      ...messagesOf(good2),
    ]);

    const projector = await start();
    await caughtUp(projector);

    const got = await readAll(db, readModels.collections);
    expect(got.orders.get(good1[0].orderId)).toEqual(foldOrder(good1));
    expect(got.orders.get(good2[0].orderId)).toEqual(foldOrder(good2));
    expect(got.orders.has(poisoned[0].orderId)).toBe(false);

    const { letters } = await waitFor('the dead letters', async () => {
      const read = await readDeadLetters(bed.kafka, deadLetterTopic(topic));
      return read.letters.length === poisoned.length ? read : undefined;
    });
    const first = letters[0];
    expect(first.exceptionClass).toBe('InvalidEventError');
    expect(first.exceptionMessage).toMatch(/invalid OrderPlaced v2 payload/);
    expect(first).toMatchObject({
      originalTopic: topic,
      originalPartition: '0',
      originalOffset: String(good1.length),
      consumerGroup: readModels.groupId,
      orderId: poisoned[0].orderId,
    });
    expect(first.message.value?.toString()).toBe(bad.value);
    expect(first.message.headers?.[EVENT_HEADERS.id]?.toString()).toBe(poisoned[0].id);
    // The order's later events cannot apply without its first: parked too, as gaps.
    expect(letters.slice(1).every((l) => l.exceptionClass === 'ProjectionError')).toBe(true);
    expect(letters[1].message.headers?.[DLT_HEADERS.exceptionFqcn]?.toString()).toBe(
      'ProjectionError',
    );
  });

  it('dead-letters events forged at the next version and then applies the real event with that number', async () => {
    const { topic, db, readModels, start } = await setup(1);
    const [spec] = sampleSagas({ count: 1, prefix: unique('f') });
    const stream = sagaEvents({ ...spec, outcome: 'completed' });
    const orderId = stream[0].orderId;
    // Well-formed and correctly numbered: a cancellation at #3, which
    // would end the order if applied and make the real #3 (InventoryReserved) a duplicate.
    const [, , cancelAt3] = orderStream(
      orderId,
      [placed(), priced, { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK' } }],
      spec.startMs,
    );
    const forged = toEventMessage(cancelAt3);
    const otherKey = { ...forged, key: unique('other') };
    const otherId = {
      ...forged,
      headers: { ...forged.headers, [EVENT_HEADERS.id]: orderEventId(orderId, 4) },
    };
    const unknownType = {
      ...forged,
      headers: { ...forged.headers, [EVENT_HEADERS.type]: 'OrderGiftWrapped' },
    };
    await bed.publisher.publish(topic, [
      ...messagesOf(stream.slice(0, 2)),
      otherKey,
      otherId,
      unknownType,
      ...messagesOf(stream.slice(2)),
    ]);

    const projector = await start();
    await caughtUp(projector);

    const got = await readAll(db, readModels.collections);
    expect(got.orders.get(orderId)).toEqual(foldOrder(stream));
    const { letters } = await waitFor('the dead letters', async () => {
      const read = await readDeadLetters(bed.kafka, deadLetterTopic(topic));
      return read.letters.length >= 3 ? read : undefined;
    });
    expect(
      letters.map((l) => [l.originalOffset, l.exceptionClass, l.exceptionMessage.split(':')[0]]),
    ).toEqual([
      ['2', 'RejectedEventError', 'key-mismatch'],
      ['3', 'RejectedEventError', 'id-mismatch'],
      ['4', 'RejectedEventError', 'unknown-type'],
    ]);
    expect(letters[0].message.key?.toString()).toBe(otherKey.key);
  });

  it('rebuilds read models identical to the live ones and switches reads to them', async () => {
    const { topic, db, readModels, start } = await setup(2);
    const streams = sampleStreams('r', { count: 40, customers: 6, skus: 5 });
    await bed.publish(topic, streams.flat());
    const projector = await start();
    await caughtUp(projector);
    // Make the live generation the active one, as the projector's defaults would be.
    await db.collection('read_model_pointers').insertOne({ _id: 'active' as never, ...readModels });
    const reader = createReadModelReader(db, { pointerTtlMs: 0 });
    const anOrder = streams[0][0].orderId;
    expect((await reader.getOrder(anOrder))?.orderId).toBe(anOrder);

    let ticks = 0;
    const result = await rebuildReadModels({
      kafka: bed.kafka,
      db,
      logger: quietLogger(),
      topic,
      now: () => new Date(Date.UTC(2026, 5, 1)),
      pollMs: 250,
      onProgress: () => ticks++,
    });
    expect(result.switched).toBe(true);
    expect(ticks).toBeGreaterThan(0);
    expect(result.next.generation).toBe(`v${Date.UTC(2026, 5, 1)}`);

    const live = await readAll(db, readModels.collections);
    const rebuilt = await readAll(db, result.next.collections);
    expect(rebuilt).toEqual(live);
    expect((await readActiveReadModels(db)).collections).toEqual(result.next.collections);
    expect(await reader.getOrder(anOrder)).toEqual(live.orders.get(anOrder));
  });
});
