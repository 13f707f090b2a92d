import type { Db } from 'mongodb';
import type { ProcessedWebhooks } from '../ports';
import { isDuplicateKey, mongoCall } from './mongo-errors';

export const PROCESSED_WEBHOOKS_COLLECTION = 'processed_webhooks';

/** Providers retry a delivery for about a day or two; an id is remembered longer than that. */
export const WEBHOOK_ID_RETENTION_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

interface WebhookDoc {
  /** The webhook-id; _id's unique index makes the claim atomic. */
  _id: string;
  receivedAt: Date;
}

/**
 * Webhook ids in MongoDB, one insert per claim (the unique _id lets one concurrent insert win).
 * FerretDB has no TTL indexes, so old ids are deleted here, at most once an hour per instance.
 */
export function createMongoProcessedWebhooks(
  db: Db,
  now: () => number = Date.now,
): ProcessedWebhooks {
  const ids = db.collection<WebhookDoc>(PROCESSED_WEBHOOKS_COLLECTION);
  let prunedAt = 0;
  async function prune() {
    if (now() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now();
    await ids.deleteMany({ receivedAt: { $lt: new Date(now() - WEBHOOK_ID_RETENTION_MS) } });
  }
  return {
    claim: (id) =>
      mongoCall(async () => {
        await prune();
        try {
          await ids.insertOne({ _id: id, receivedAt: new Date(now()) });
          return 'claimed' as const;
        } catch (err) {
          if (isDuplicateKey(err)) return 'duplicate' as const;
          throw err;
        }
      }),
    release: (id) =>
      mongoCall(async () => {
        await ids.deleteOne({ _id: id });
      }),
  };
}
