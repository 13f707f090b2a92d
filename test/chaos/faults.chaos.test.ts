import { chaosScale } from './scale';
import { startChaosSystem, type ChaosSystem } from './system';
import { killWorkersMidFlight } from './scenarios/kill-workers';

// Faults injected into one private system (see README.md in this folder): each scenario ends
// with the reconciliation of ./reconcile.ts and expects no violation.

const scale = chaosScale();
jest.setTimeout(scale.settleMs + 240_000);

let system: ChaosSystem | undefined;

beforeAll(async () => {
  system = await startChaosSystem();
}, 300_000);

afterAll(async () => {
  await system?.stop();
}, 120_000);

const sys = (): ChaosSystem => {
  if (!system) throw new Error('the chaos system did not start');
  return system;
};

it(`kill -9 the payments and order workers mid-flight (${scale.inFlightOrders} orders)`, async () => {
  const report = await killWorkersMidFlight(sys(), scale);
  expect(report.violations).toEqual([]);
  expect(report.counts.accepted).toBeGreaterThan(0);
  expect(report.counts.completed).toBe(report.counts.accepted);
});
