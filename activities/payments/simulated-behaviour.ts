// What the simulated provider does, by payment token (pure, unit-tested):
//
//   tok_ok (and any token not listed)  authorizes; captures
//   tok_declined                       authorization declined (business failure, not retried)
//   tok_flaky                          authorization attempts 1 and 2 fail with a transient
//                                      error, attempt 3 authorizes (attempts are counted per
//                                      payment in the provider's stored state, so the count
//                                      survives worker restarts)
//   tok_3ds                            authorization needs the customer's asynchronous
//                                      confirmation (the provider's webhook, which the API turns
//                                      into the workflow's `confirmPayment` update)
//   tok_capture_fails                  authorizes; capture is declined

export const SIMULATED_TOKENS = [
  'tok_ok',
  'tok_declined',
  'tok_flaky',
  'tok_3ds',
  'tok_capture_fails',
] as const;

/** How many authorization attempts of a `tok_flaky` payment fail before one succeeds. */
export const FLAKY_FAILURES = 2;

export type SimulatedAuthorization =
  'authorized' | 'requires_confirmation' | 'declined' | 'unavailable';

export function simulatedAuthorization(token: string, attempt: number): SimulatedAuthorization {
  switch (token) {
    case 'tok_declined':
      return 'declined';
    case 'tok_flaky':
      return attempt <= FLAKY_FAILURES ? 'unavailable' : 'authorized';
    case 'tok_3ds':
      return 'requires_confirmation';
    default:
      return 'authorized';
  }
}

/** The tokens whose capture is declined (a filter of the provider's capture write uses them). */
export const SIMULATED_CAPTURE_DECLINING_TOKENS: readonly string[] = ['tok_capture_fails'];

export const simulatedCaptureDeclined = (token: string): boolean =>
  SIMULATED_CAPTURE_DECLINING_TOKENS.includes(token);
