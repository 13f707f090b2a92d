import type { Db } from 'mongodb';
import type { ProcessedWebhooks, WebhookClaim } from '../ports';
import { atMostEvery } from '../../lib/at-most-every';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';
import { mongoCall } from './mongo-errors';

export const PROCESSED_WEBHOOKS_COLLECTION = 'processed_webhooks';

/** Providers retry a delivery for about a day or two; an id is remembered longer than that. */
export const WEBHOOK_ID_RETENTION_MS = 7 * 24 * 3600_000;
/** Longer than any delivery takes (the server's request timeout is 60 s): its owner is gone. */
export const STALE_CLAIM_MS = 120_000;
const PRUNE_EVERY_MS = 3600_000;

interface WebhookDoc {
  /** The webhook-id; _id's unique index makes the claim atomic. */
  _id: string;
  state: 'processing' | 'processed';
  receivedAt: Date;
}

/**
 * Webhook ids in MongoDB, one insert per claim (the unique _id lets one concurrent insert win).
 * Old ids are deleted here, at most once an hour per instance, so the store needs no index set up
 * at start (a TTL index, as the idempotency keys have, would do the same).
 */
export function createMongoProcessedWebhooks(
  db: Db,
  now: () => number = Date.now,
): ProcessedWebhooks {
  const ids = db.collection<WebhookDoc>(PROCESSED_WEBHOOKS_COLLECTION);
  const prune = atMostEvery(PRUNE_EVERY_MS, now, async () => {
    await ids.deleteMany({ receivedAt: { $lt: new Date(now() - WEBHOOK_ID_RETENTION_MS) } });
  });
  async function existing(id: string): Promise<WebhookClaim> {
    // A stale claim is taken over by exactly one caller: the conditional update matches once.
    const takenOver = await ids.updateOne(
      { _id: id, state: 'processing', receivedAt: { $lt: new Date(now() - STALE_CLAIM_MS) } },
      { $set: { receivedAt: new Date(now()) } },
    );
    if (takenOver.modifiedCount === 1) return 'claimed';
    const doc = await ids.findOne({ _id: id });
    // Released between our insert and this read: the next delivery will claim it.
    return doc?.state ?? 'processing';
  }
  return {
    claim: (id) =>
      mongoCall(async () => {
        await prune();
        try {
          await ids.insertOne({ _id: id, state: 'processing', receivedAt: new Date(now()) });
          return 'claimed';
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
        return existing(id);
      }),
    complete: (id) =>
      mongoCall(async () => {
        await ids.updateOne({ _id: id }, { $set: { state: 'processed' } });
      }),
    release: (id) =>
      mongoCall(async () => {
        await ids.deleteOne({ _id: id, state: 'processing' });
      }),
  };
}
