import type { Admin } from 'kafkajs';
import type { TopicSpec } from '../../contracts/topics';
import { createMissingTopics } from '../../lib/kafka-topics';

const TOPICS: TopicSpec[] = [
  { topic: 'order.events', numPartitions: 6, configEntries: [] },
  { topic: 'order.events.DLT', numPartitions: 1, configEntries: [] },
];

/** An admin whose createTopics fails with `failures` first, then succeeds. */
function adminFailing(failures: Error[]) {
  const created: string[][] = [];
  const admin = {
    listTopics: () => Promise.resolve(['order.events.DLT']),
    createTopics: ({ topics }: { topics: TopicSpec[] }) => {
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      created.push(topics.map((t) => t.topic));
      return Promise.resolve(true);
    },
  } as unknown as Admin;
  return { admin, created };
}

const kafkaError = (type: string, retriable: boolean) =>
  Object.assign(new Error('This server does not host this topic-partition'), { type, retriable });

describe('createMissingTopics', () => {
  it('creates only the missing topics and names both kinds', async () => {
    const { admin, created } = adminFailing([]);
    expect(await createMissingTopics(admin, TOPICS)).toEqual({
      created: ['order.events(6p)'],
      present: ['order.events.DLT'],
    });
    expect(created).toEqual([['order.events']]);
  });

  it('retries a retriable error of a broker that has just started', async () => {
    const { admin, created } = adminFailing([kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true)]);
    await createMissingTopics(admin, TOPICS);
    expect(created).toEqual([['order.events']]);
  });

  it('gives up on a retriable error after its deadline, and at once on any other', async () => {
    let t = 0;
    const late = adminFailing([kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true)]);
    await expect(createMissingTopics(late.admin, TOPICS, () => (t += 61_000))).rejects.toThrow(
      /does not host/,
    );
    const denied = adminFailing([kafkaError('TOPIC_AUTHORIZATION_FAILED', false)]);
    await expect(createMissingTopics(denied.admin, TOPICS)).rejects.toThrow(/does not host/);
    expect(denied.created).toEqual([]);
  });
});
