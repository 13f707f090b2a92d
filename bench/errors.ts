/** An error's message and, for fetch's `fetch failed`, what failed underneath (its cause). */
export function describeError(error: unknown): string {
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? message(error) : `${message(error)} (${message(cause)})`;
}
