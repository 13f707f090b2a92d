import { createShippingActivities } from '../../activities/shipping/activities';
import { DEFAULT_SHIPPING_COUNTRIES } from '../../activities/shipping/destinations';
import { createMongoShipmentStore } from '../../activities/shipping/store';
import { openTestDb, type TestDb } from './mongo-test-db';

jest.setTimeout(30_000);

let close: () => Promise<void>;
let commandsOf: TestDb['commandsOf'];
let shipping: ReturnType<typeof createShippingActivities>;
let randomCalls = 0;
beforeAll(async () => {
  const opened = await openTestDb('shipping_it');
  close = opened.close;
  commandsOf = opened.commandsOf;
  shipping = createShippingActivities({
    store: createMongoShipmentStore(opened.db),
    countries: DEFAULT_SHIPPING_COUNTRIES,
    random: () => `abc-def-${++randomCalls}-0000000000`,
  });
});
afterAll(() => close());

const address = (country: string) => ({
  name: 'A',
  line1: 'B',
  city: 'C',
  postalCode: 'D',
  country,
});
let n = 0;
const create = (country = 'DE') => ({
  idempotencyKey: `order-s${++n}:create-shipment`,
  orderId: `s${n}`,
  address: address(country),
  items: [{ sku: 'X', quantity: 1 }],
});

it('creates a shipment with a tracking number; the same key returns the first one', async () => {
  const input = create();
  const first = await shipping.createShipment(input);
  expect(first.trackingNumber).toMatch(/^TRK[A-Z0-9]{12}$/);
  expect(await shipping.createShipment(input)).toEqual(first); // a new random, the same answer
});

it('refuses an unsupported country with a non-retryable ShippingUnavailable', async () => {
  await expect(shipping.createShipment(create('BR'))).rejects.toMatchObject({
    type: 'ShippingUnavailable',
    nonRetryable: true,
  });
});

it('cancels once; repeats answer the same; nothing to cancel answers false', async () => {
  const input = create();
  await shipping.createShipment(input);
  const cancel = { idempotencyKey: 'c', orderId: input.orderId, shipmentId: input.idempotencyKey };
  expect(await shipping.cancelShipment(cancel)).toEqual({ cancelled: true });
  expect(await shipping.cancelShipment(cancel)).toEqual({ cancelled: true });
  const never = create();
  expect(
    await shipping.cancelShipment({
      idempotencyKey: 'c',
      orderId: never.orderId,
      shipmentId: never.idempotencyKey,
    }),
  ).toEqual({ cancelled: false });
  // The tombstone stops a late creation attempt.
  await expect(shipping.createShipment(never)).rejects.toMatchObject({ type: 'ShipmentCancelled' });
});

it('creating a shipment is one insert; only a repeat reads what the first one stored', async () => {
  const input = create();
  expect(await commandsOf(() => shipping.createShipment(input))).toEqual(['shipments.insert']);
  expect(await commandsOf(() => shipping.createShipment(input))).toEqual([
    'shipments.insert',
    'shipments.find',
  ]);
});
