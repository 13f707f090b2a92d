import type {
  Abortable,
  AnyBulkWriteOperation,
  BulkWriteOptions,
  BulkWriteResult,
  Db,
  Document,
  WriteError,
} from 'mongodb';
import { MongoBulkWriteError } from 'mongodb';
import { DUPLICATE_KEY_CODE } from '../../lib/mongo-duplicate-key';

/** Read-model documents are keyed by domain ids (strings), not ObjectIds. */
export interface Doc extends Document {
  _id: string;
}

/** One order of documents for every instance (see aggregate-writes.ts on deadlocks). */
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One bulk write per list: the driver splits a list larger than the server's batch limits
 * itself, in order for an ordered list.
 */
export async function bulk(
  db: Db,
  collection: string,
  ops: AnyBulkWriteOperation<Doc>[],
  ordered: boolean,
  signal: AbortSignal,
): Promise<BulkWriteResult | undefined> {
  if (ops.length === 0) return undefined; // the driver refuses an empty bulk write
  // The driver honours `signal` on writes too (it closes the connection), although its types
  // list it for reads only; the caller's deadline holds either way.
  const options: BulkWriteOptions & Abortable = { ordered, signal };
  return db.collection<Doc>(collection).bulkWrite(ops, options);
}

const writeErrorsOf = (error: MongoBulkWriteError): WriteError[] =>
  ([] as WriteError[]).concat(error.writeErrors ?? []);

/**
 * True only for a bulk write that the server executed and whose failures are all duplicate
 * keys. The driver also reports a connection that closed mid-write, or a server it could not
 * select, as a MongoBulkWriteError, with no write errors at all: that write did not happen.
 */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError)) return false;
  const list = writeErrorsOf(error);
  return list.length > 0 && list.every((e) => e.code === DUPLICATE_KEY_CODE);
}

/**
 * Runs an unordered bulk write, treating duplicate-key errors as "the document is there
 * already": an orders upsert whose version filter did not match collides with the newer stored
 * document, an aggregate document was created by another instance first. Any other error is
 * thrown, so the chunk is not committed and is read again. Resolves with the indexes (in `ops`)
 * of the operations that met a duplicate key.
 */
export async function bulkIgnoringDuplicates(
  db: Db,
  collection: string,
  ops: AnyBulkWriteOperation<Doc>[],
  signal: AbortSignal,
): Promise<Set<number>> {
  try {
    await bulk(db, collection, ops, false, signal);
    return new Set();
  } catch (error) {
    // Unordered: every operation was attempted, so the errors list all that failed.
    if (!onlyDuplicateKeys(error)) throw error;
    return new Set(writeErrorsOf(error as MongoBulkWriteError).map((e) => e.index));
  }
}
