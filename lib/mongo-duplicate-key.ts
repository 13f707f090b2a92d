/** MongoDB's error code for a write that would create a second document with a unique key. */
export const DUPLICATE_KEY_CODE = 11000;

/** MongoDB's duplicate-key error: two writers raced to insert the same `_id` (or unique key). */
export function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === DUPLICATE_KEY_CODE
  );
}

/** Runs an insert/upsert that may lose a race to an identical one; losing is fine (undefined). */
export async function ignoreDuplicateKey<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return undefined;
  }
}
