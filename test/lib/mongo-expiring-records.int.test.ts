import type { Db } from 'mongodb';
import {
  createMongoProcessedWebhooks,
  PROCESSED_WEBHOOKS_COLLECTION,
  WEBHOOK_ID_RETENTION_MS,
} from '../../api/adapters/mongo-processed-webhooks';
import {
  EXPIRY_INDEX_NAME,
  type ExpiringRecord,
  expiringRecords,
} from '../../lib/mongo-expiring-records';
import { openTestDb } from '../activities/mongo-test-db';

// The one home of records that expire, against the MongoDB-wire server of the integration tier:
// its TTL index, its expiry arithmetic and its "expired but not yet deleted" filter, and the
// webhook ids that now expire through it instead of a hand-written prune.

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openTestDb('expiring'));
});

afterAll(async () => {
  await close();
});

interface Note extends ExpiringRecord {
  text: string;
}

describe('expiringRecords', () => {
  beforeEach(() => {
    expect.hasAssertions();
  });

  it('creates its TTL index once, computes expiries and finds records past theirs', async () => {
    const records = expiringRecords<Note>(db, 'notes', 60_000);
    await Promise.all([records.ensureExpiry(), records.ensureExpiry()]);
    const indexes = await records.collection.indexes();
    expect(indexes.find((i) => i.name === EXPIRY_INDEX_NAME)).toMatchObject({
      key: { expiresAt: 1 },
      expireAfterSeconds: 0,
    });

    const writtenAt = new Date('2030-01-01T00:00:00Z');
    expect(records.expiresAt(writtenAt)).toEqual(new Date('2030-01-01T00:01:00Z'));
    await records.collection.insertMany([
      { _id: 'old', text: 'a', expiresAt: new Date('2030-01-01T00:00:30Z') },
      { _id: 'new', text: 'b', expiresAt: new Date('2030-01-01T00:02:00Z') },
    ]);
    const expired = await records.collection
      .find(records.expiredAt(new Date('2030-01-01T00:01:00Z')))
      .toArray();
    expect(expired.map((r) => r._id)).toEqual(['old']);
  });

  it('tries the index again after a failed creation', async () => {
    const records = expiringRecords<Note>(db, 'notes_conflict', 60_000);
    // An index of the same name with other options makes the creation fail.
    await records.collection.createIndex({ text: 1 }, { name: EXPIRY_INDEX_NAME });
    await expect(records.ensureExpiry()).rejects.toThrow();
    await records.collection.dropIndex(EXPIRY_INDEX_NAME);
    await records.ensureExpiry();
    const indexes = await records.collection.indexes();
    expect(indexes.find((i) => i.name === EXPIRY_INDEX_NAME)?.key).toEqual({ expiresAt: 1 });
  });
});

describe('processed webhook ids expire through it', () => {
  beforeEach(() => {
    expect.hasAssertions();
  });

  it('stamp each id with its expiry under a TTL index, and claim an expired id again', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const webhooks = createMongoProcessedWebhooks(db, () => now);
    expect(await webhooks.claim('msg_1')).toBe('claimed');
    await webhooks.complete('msg_1');
    const ids = db.collection<{ _id: string; expiresAt: Date }>(PROCESSED_WEBHOOKS_COLLECTION);
    expect((await ids.findOne({ _id: 'msg_1' }))?.expiresAt).toEqual(
      new Date(now + WEBHOOK_ID_RETENTION_MS),
    );
    const indexes = await ids.indexes();
    expect(indexes.find((i) => i.name === EXPIRY_INDEX_NAME)).toMatchObject({
      key: { expiresAt: 1 },
      expireAfterSeconds: 0,
    });

    now += WEBHOOK_ID_RETENTION_MS - 1_000;
    expect(await webhooks.claim('msg_1')).toBe('processed');
    // Past its expiry but not yet deleted (the TTL monitor runs once a minute): forgotten.
    now += 2_000;
    expect(await webhooks.claim('msg_1')).toBe('claimed');
    expect(await webhooks.claim('msg_1')).toBe('processing');
  });
});
