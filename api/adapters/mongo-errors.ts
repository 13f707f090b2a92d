import {
  MongoNetworkError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DependencyUnavailableError } from '../ports';

/** Runs a MongoDB call; "cannot reach the server" becomes DependencyUnavailableError('mongodb'). */
export async function mongoCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (
      err instanceof MongoNetworkError ||
      err instanceof MongoServerSelectionError ||
      err instanceof MongoNotConnectedError ||
      err instanceof MongoTopologyClosedError
    ) {
      throw new DependencyUnavailableError('mongodb', { cause: err });
    }
    throw err;
  }
}
