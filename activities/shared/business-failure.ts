import { ApplicationFailure } from '@temporalio/common';

/**
 * A business rule said no. Pure code throws these typed errors; `withBusinessFailures` turns
 * them into non-retryable ApplicationFailures whose `type` the workflow maps to a reason. Any
 * other error stays retryable: Temporal retries it with the activity's backoff.
 */
export abstract class DomainError extends Error {
  /** The ApplicationFailure type callers branch on, e.g. `OutOfStock`. */
  abstract readonly type: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export async function withBusinessFailures<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError)
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
