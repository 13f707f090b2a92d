import type { Collection, Filter, WithId } from 'mongodb';

/**
 * Reads back a document the caller has just written (claimed, inserted or updated by `_id`).
 * Missing means it vanished, which should never happen: the error is an ordinary one, so the
 * activity that asked is retried.
 */
export async function readBack<T extends { _id: string }>(
  collection: Collection<T>,
  id: string,
  what: string,
): Promise<WithId<T>> {
  const doc = await collection.findOne({ _id: id } as Filter<T>);
  if (!doc) throw new Error(`${what} ${id} vanished`);
  return doc;
}
