import { DeadlineExceededError, withDeadline } from '../../lib/deadline';

it('rejects an operation that never settles, and aborts its signal', async () => {
  let signal: AbortSignal | undefined;
  const never = withDeadline('a request', 20, (s) => {
    signal = s;
    return new Promise<never>(() => undefined);
  });
  await expect(never).rejects.toThrow(new DeadlineExceededError('a request', 20));
  expect(signal?.aborted).toBe(true);
  expect(signal?.reason).toBeInstanceOf(DeadlineExceededError);
});

it('passes on what the operation settles with before the deadline', async () => {
  await expect(withDeadline('a read', 10_000, () => Promise.resolve(42))).resolves.toBe(42);
  const failure = new Error('duplicate key');
  await expect(withDeadline('a write', 10_000, () => Promise.reject(failure))).rejects.toBe(
    failure,
  );
  await expect(
    withDeadline('a sync throw', 10_000, () => {
      throw failure;
    }),
  ).rejects.toBe(failure);
});
