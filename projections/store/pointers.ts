import type { Db } from 'mongodb';
import { PROJECTOR_GROUP_ID } from '../../contracts/consumer-groups';
import { READ_MODEL_COLLECTIONS } from '../../contracts/read-models';
import { isDuplicateKeyError } from '../../lib/mongo-duplicate-key';

// Which collections the API reads and the projector writes. A rebuild fills a new generation
// of collections beside the live ones and then flips this one document. FerretDB 2 and MongoDB
// can `renameCollection` with `dropTarget`, but that moves one collection at a time: a reader
// between two renames would see new orders beside old aggregates. One document update switches
// all three read models at once, and the old generation stays for a roll-back.

export const POINTERS_COLLECTION = 'read_model_pointers';
const ACTIVE_ID = 'active';

export interface ReadModelNames {
  orders: string;
  customerStats: string;
  skuSales: string;
}

export interface ActiveReadModels {
  /** `null` for the original collections (`orders`, …); otherwise e.g. `v1767000000000`. */
  generation: string | null;
  collections: ReadModelNames;
  /** Consumer group whose committed offsets belong to these collections. */
  groupId: string;
  switchedAt?: string;
}

export const DEFAULT_READ_MODELS: ActiveReadModels = {
  generation: null,
  collections: { ...READ_MODEL_COLLECTIONS },
  groupId: PROJECTOR_GROUP_ID,
};

/** Collections and consumer group of a rebuilt generation. */
export function generationReadModels(generation: string): ActiveReadModels {
  return {
    generation,
    collections: {
      orders: `${READ_MODEL_COLLECTIONS.orders}_${generation}`,
      customerStats: `${READ_MODEL_COLLECTIONS.customerStats}_${generation}`,
      skuSales: `${READ_MODEL_COLLECTIONS.skuSales}_${generation}`,
    },
    groupId: `${PROJECTOR_GROUP_ID}.${generation}`,
  };
}

interface PointerDoc extends ActiveReadModels {
  _id: string;
}

export async function readActiveReadModels(db: Db): Promise<ActiveReadModels> {
  const doc = await db.collection<PointerDoc>(POINTERS_COLLECTION).findOne({ _id: ACTIVE_ID });
  if (!doc) return DEFAULT_READ_MODELS;
  return {
    generation: doc.generation,
    collections: doc.collections,
    groupId: doc.groupId,
    ...(doc.switchedAt ? { switchedAt: doc.switchedAt } : {}),
  };
}

/**
 * Points reads and the projector at `next`, only if the active generation is still `expected`
 * (so two rebuilds finishing together cannot both win). Returns whether it switched.
 */
export async function switchActiveReadModels(
  db: Db,
  next: ActiveReadModels,
  expected: string | null,
  now: Date,
): Promise<boolean> {
  const pointers = db.collection<PointerDoc>(POINTERS_COLLECTION);
  const doc = { ...next, switchedAt: now.toISOString() };
  if (expected === null) {
    // No pointer document yet means the defaults are active; the unique _id settles a race.
    const existing = await pointers.findOne({ _id: ACTIVE_ID });
    if (!existing) {
      try {
        await pointers.insertOne({ _id: ACTIVE_ID, ...doc });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    }
  }
  const result = await pointers.updateOne({ _id: ACTIVE_ID, generation: expected }, { $set: doc });
  return result.modifiedCount === 1;
}
