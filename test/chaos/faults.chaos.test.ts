import { chaosScale } from './scale';
import { startChaosSystem, type ChaosSystem } from './system';
import { abuseWhileOrdering } from './scenarios/abuse';
import { duplicateSubmissions, lastUnitsRace } from './scenarios/contention';
import { killEverythingMidBurst } from './scenarios/kill-all';
import { killProjectorRepeatedly } from './scenarios/kill-projector';
import { killServerMidFlight } from './scenarios/kill-servers';
import { killWorkersMidFlight } from './scenarios/kill-workers';
import type { ReconcileReport } from './reconcile';

// Faults injected into one private system (see README.md in this folder), one after another:
// each scenario ends with the reconciliation of ./reconcile.ts and expects no violation.

const scale = chaosScale();
const RATE_LIMIT_PER_MINUTE = 120;
jest.setTimeout(scale.settleMs + 240_000);

let system: ChaosSystem | undefined;

beforeAll(async () => {
  system = await startChaosSystem({ rateLimitPerMinute: RATE_LIMIT_PER_MINUTE });
}, 300_000);

afterAll(async () => {
  await system?.stop();
}, 120_000);

const sys = (): ChaosSystem => {
  if (!system) throw new Error('the chaos system did not start');
  return system;
};

function expectAllCompleted(report: ReconcileReport): void {
  expect(report.violations).toEqual([]);
  expect(report.counts.accepted).toBeGreaterThan(0);
  expect(report.counts.completed).toBe(report.counts.accepted);
}

it(`${scale.duplicateSubmissions} concurrent submissions with one Idempotency-Key: one order, one charge`, async () => {
  const outcome = await duplicateSubmissions(sys(), scale);
  expect(outcome.statuses).toEqual({ 202: scale.duplicateSubmissions });
  expect(outcome.orderIds).toHaveLength(1);
  expect(outcome.counts.unacknowledged).toBe(0);
  expectAllCompleted(outcome);
});

it(`${scale.racingOrders} concurrent orders for the last ${scale.lastUnits} units: exactly ${scale.lastUnits} complete`, async () => {
  const outcome = await lastUnitsRace(sys(), scale);
  expect(outcome.statuses).toEqual({ 202: scale.racingOrders });
  expect(outcome.violations).toEqual([]);
  expect(outcome.counts).toMatchObject({
    completed: scale.lastUnits,
    cancelled: scale.racingOrders - scale.lastUnits,
    notFinal: 0,
  });
});

it(`${scale.badRequests} malformed/oversized requests and a burst above the rate limit while orders complete`, async () => {
  const outcome = await abuseWhileOrdering(sys(), scale, RATE_LIMIT_PER_MINUTE);
  expect(outcome.badOutside4xx).toEqual([]);
  expect(Object.keys(outcome.burst).filter((s) => Number(s) >= 500)).toEqual([]);
  expect(outcome.burst[429]).toBeGreaterThan(0);
  expect(outcome.missingRetryAfter).toBe(0);
  expect(outcome.validStatuses).toEqual({ 202: scale.ordersDuringAbuse });
  expectAllCompleted(outcome);
});

it(`kill -9 the payments and order workers mid-flight (${scale.inFlightOrders} orders)`, async () => {
  expectAllCompleted(await killWorkersMidFlight(sys(), scale));
});

it(`kill -9 the projector mid-batch ${scale.projectorKills} times`, async () => {
  expectAllCompleted(await killProjectorRepeatedly(sys(), scale));
});

it('kill -9 the Kafka broker mid-flight and start it again', async () => {
  expectAllCompleted(await killServerMidFlight(sys(), scale, 'kafka', 3_000));
});

// Finding 1 in README.md: this once lost an order from the read model (a write cut off by the
// kill was taken for a duplicate by the projector); fixed in projections/.
it('kill -9 the MongoDB-wire server mid-flight and start it again', async () => {
  const outcome = await killServerMidFlight(sys(), scale, 'mongo', 3_000);
  expectAllCompleted(outcome);
});

// Issue 15: after this crash, one SKU's stock once ended 1-2 units above its reservation ledger
// in manual runs; the reconciliation checks every SKU against its ledger and its orders.
it(`kill -9 every application process at once mid-burst (${scale.crashOrders} orders over ${scale.crashSkus} SKUs), restart, every client retries with its Idempotency-Key`, async () => {
  const outcome = await killEverythingMidBurst(sys(), scale);
  expect(outcome.statuses).toEqual({ 202: scale.crashOrders });
  expect(outcome.repeatMismatches).toEqual([]);
  expect(outcome.violations).toEqual([]);
  expect(outcome.counts).toMatchObject({
    accepted: scale.crashOrders,
    completed: outcome.expected.COMPLETED,
    cancelled: outcome.expected.CANCELLED,
    notFinal: 0,
    unacknowledged: 0,
  });
});
