import type { Db } from 'mongodb';
import type { ProcessedWebhooks, WebhookClaim } from '../ports';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';
import { expiringRecords } from '../../lib/mongo-expiring-records';
import { mongoCall } from './mongo-errors';

export const PROCESSED_WEBHOOKS_COLLECTION = 'processed_webhooks';

/** Providers retry a delivery for about a day or two; an id is remembered longer than that. */
export const WEBHOOK_ID_RETENTION_MS = 7 * 24 * 3600_000;
/** Longer than any delivery takes (the server's request timeout is 60 s): its owner is gone. */
export const STALE_CLAIM_MS = 120_000;

interface WebhookDoc {
  /** The webhook-id; _id's unique index makes the claim atomic. */
  _id: string;
  state: 'processing' | 'processed';
  receivedAt: Date;
  /** The TTL index deletes the id after this (lib/mongo-expiring-records.ts). */
  expiresAt: Date;
}

/**
 * Webhook ids in MongoDB, one insert per claim (the unique _id lets one concurrent insert win).
 * Ids expire after WEBHOOK_ID_RETENTION_MS, deleted by a TTL index as the idempotency keys are;
 * the first claim of each instance creates the index, so the store needs nothing set up at start.
 */
export function createMongoProcessedWebhooks(
  db: Db,
  now: () => number = Date.now,
): ProcessedWebhooks {
  const records = expiringRecords<WebhookDoc>(
    db,
    PROCESSED_WEBHOOKS_COLLECTION,
    WEBHOOK_ID_RETENTION_MS,
  );
  const ids = records.collection;
  const received = () => {
    const receivedAt = new Date(now());
    return { receivedAt, expiresAt: records.expiresAt(receivedAt) };
  };
  async function existing(id: string): Promise<WebhookClaim> {
    // A stale claim, or an id past its retention that the TTL monitor has not deleted yet, is
    // taken over by exactly one caller: the conditional update matches once.
    const staleClaim = {
      state: 'processing' as const,
      receivedAt: { $lt: new Date(now() - STALE_CLAIM_MS) },
    };
    const takenOver = await ids.updateOne(
      { _id: id, $or: [staleClaim, records.expiredAt(new Date(now()))] },
      { $set: { state: 'processing', ...received() } },
    );
    if (takenOver.modifiedCount === 1) return 'claimed';
    const doc = await ids.findOne({ _id: id });
    // Released between our insert and this read: the next delivery will claim it.
    return doc?.state ?? 'processing';
  }
  return {
    claim: (id) =>
      mongoCall(async () => {
        await records.ensureExpiry();
        try {
          await ids.insertOne({ _id: id, state: 'processing', ...received() });
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
