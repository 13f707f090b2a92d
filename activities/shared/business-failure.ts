import { ApplicationFailure } from '@temporalio/common';

/**
 * A business rule said no. Pure code throws these typed errors; `withBusinessFailures` turns
 * them into non-retryable ApplicationFailures whose `type` the workflow maps to a reason. Any
 * other error stays retryable: Temporal retries it with the activity's backoff.
 *
 * `T` is the service's union of failure types (its errors.ts): no default, so every error class
 * names a type from its service's list, and that list is what the saga must map.
 */
export abstract class DomainError<T extends string> extends Error {
  /** The ApplicationFailure type callers branch on, e.g. `OutOfStock`. */
  abstract readonly type: T;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Whether `error` is a business failure of any service (whatever its list of types). */
const isDomainError = (error: unknown): error is DomainError<string> =>
  error instanceof DomainError;

export async function withBusinessFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isDomainError(error))
      throw ApplicationFailure.create({
        type: error.type,
        message: error.message,
        nonRetryable: true,
        cause: error,
      });
    throw error;
  }
}

/** Wraps every method of an activities object with `withBusinessFailures`. */
export function mapBusinessFailures<
  A extends { [K in keyof A]: (input: never) => Promise<unknown> },
>(activities: A): A {
  return Object.fromEntries(
    Object.entries<(input: never) => Promise<unknown>>(activities).map(([name, fn]) => [
      name,
      (input: never) => withBusinessFailures(() => fn(input)),
    ]),
  ) as A;
}
