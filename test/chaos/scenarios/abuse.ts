import { badRequest } from '../bad-requests';
import { chaosLog } from '../log';
import { countStatuses, placeOrders, pool, waitUntilFinal } from '../load';
import type { ReconcileReport } from '../reconcile';
import type { ChaosScale } from '../scale';
import type { ChaosSystem } from '../system';

export interface AbuseOutcome extends ReconcileReport {
  /** Answers to the malformed requests, by status. */
  bad: Record<number, number>;
  /** Kinds of malformed request that got an answer outside 4xx, with the status. */
  badOutside4xx: string[];
  /** Answers to the burst, by status, and how many 429s lacked a usable Retry-After. */
  burst: Record<number, number>;
  missingRetryAfter: number;
  validStatuses: Record<number, number>;
}

/**
 * Malformed and oversized requests and a burst above one client's rate limit, while other
 * customers keep placing valid orders that must all be accepted and complete.
 */
export async function abuseWhileOrdering(
  system: ChaosSystem,
  scale: ChaosScale,
  rateLimitPerMinute: number,
): Promise<AbuseOutcome> {
  const sku = 'CHAOS-ABUSE';
  await system.seed(sku, scale.ordersDuringAbuse * 2);
  const { api } = system;
  const valid = placeOrders(api, {
    n: scale.ordersDuringAbuse,
    sku,
    prefix: 'abuse-valid',
    concurrency: 1,
  });
  const badOutside4xx = new Set<string>();
  const badStatuses = await pool(scale.badRequests, scale.httpConcurrency, async (i) => {
    const req = badRequest(i);
    const token = req.sub === undefined ? undefined : await api.token(req.sub);
    const res = await api.request(req.method, req.path, { ...req.opts, ...(token && { token }) });
    if (res.status < 400 || res.status >= 500) badOutside4xx.add(`${req.kind}: ${res.status}`);
    return res.status;
  });
  const burstToken = await api.token('burst-client');
  // More than two windows' worth: the limiter counts in fixed one-minute windows, so a burst
  // that straddles a window boundary may pass up to twice the limit (1.5x once got no 429).
  const burstReplies = await pool(rateLimitPerMinute * 2 + 60, scale.httpConcurrency, () =>
    api.request('GET', '/orders?limit=1', { token: burstToken }),
  );
  const missingRetryAfter = burstReplies.filter(
    (r) => r.status === 429 && !(Number(r.headers.get('retry-after')) > 0),
  ).length;
  const placed = await valid;
  const bad = countStatuses(badStatuses);
  const burst = countStatuses(burstReplies.map((r) => r.status));
  chaosLog(
    `abuse: bad ${JSON.stringify(bad)}, burst ${JSON.stringify(burst)}, valid ${JSON.stringify(placed.statuses)}`,
  );
  await waitUntilFinal(system.mongo, placed.accepted, scale.settleMs);
  const report = await system.reconcile(
    `${scale.badRequests} bad requests + burst`,
    placed.accepted,
    [sku],
  );
  return {
    ...report,
    bad,
    badOutside4xx: [...badOutside4xx],
    burst,
    missingRetryAfter,
    validStatuses: placed.statuses,
  };
}
