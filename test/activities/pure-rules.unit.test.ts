import { priceItems } from '../../activities/inventory/pricing';
import { planReservation } from '../../activities/inventory/reservation-plan';
import { UnknownSkuError } from '../../activities/inventory/errors';
import {
  simulatedAuthorization,
  simulatedCaptureDeclined,
} from '../../activities/payments/simulated-behaviour';
import {
  assertShippable,
  DEFAULT_SHIPPING_COUNTRIES,
  trackingNumber,
} from '../../activities/shipping/destinations';
import { ShippingUnavailableError } from '../../activities/shipping/errors';
import { withBusinessFailures } from '../../activities/shared/business-failure';
import { OutOfStockError } from '../../activities/inventory/errors';

describe('pricing', () => {
  const prices = new Map([
    ['A', 250],
    ['B', 1_000],
  ]);
  it('prices each line from the catalog and sums exactly in minor units', () => {
    expect(
      priceItems(
        [
          { sku: 'A', quantity: 3 },
          { sku: 'B', quantity: 1 },
        ],
        prices,
      ),
    ).toEqual({
      items: [
        { sku: 'A', quantity: 3, unitPrice: 250, lineTotal: 750 },
        { sku: 'B', quantity: 1, unitPrice: 1_000, lineTotal: 1_000 },
      ],
      total: 1_750,
    });
  });
  it('names every unknown SKU once', () => {
    const attempt = () =>
      priceItems(
        [
          { sku: 'X', quantity: 1 },
          { sku: 'A', quantity: 1 },
          { sku: 'X', quantity: 2 },
        ],
        prices,
      );
    expect(attempt).toThrow(UnknownSkuError);
    expect(attempt).toThrow('Unknown SKU(s): X');
  });
});

describe('reservation plan', () => {
  it('merges repeated SKUs and orders lines by SKU', () => {
    expect(
      planReservation([
        { sku: 'b', quantity: 1 },
        { sku: 'a', quantity: 2 },
        { sku: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 4 },
    ]);
  });
});

describe('simulated provider behaviour', () => {
  it.each([
    ['tok_ok', 1, 'authorized'],
    ['tok_anything', 1, 'authorized'],
    ['tok_declined', 1, 'declined'],
    ['tok_flaky', 1, 'unavailable'],
    ['tok_flaky', 2, 'unavailable'],
    ['tok_flaky', 3, 'authorized'],
    ['tok_3ds', 1, 'requires_confirmation'],
    ['tok_capture_fails', 1, 'authorized'],
  ])('%s, attempt %i → %s', (token, attempt, expected) => {
    expect(simulatedAuthorization(token, attempt)).toBe(expected);
  });
  it('only tok_capture_fails declines the capture', () => {
    expect(simulatedCaptureDeclined('tok_capture_fails')).toBe(true);
    expect(simulatedCaptureDeclined('tok_ok')).toBe(false);
  });
});

describe('shipping destinations', () => {
  it('accepts the configured countries and refuses others', () => {
    expect(() => assertShippable('SE', DEFAULT_SHIPPING_COUNTRIES)).not.toThrow();
    expect(() => assertShippable('BR', DEFAULT_SHIPPING_COUNTRIES)).toThrow(
      ShippingUnavailableError,
    );
  });
  it('makes tracking numbers from the random source', () => {
    expect(trackingNumber(() => 'ab12-cd34-ef56-gh78')).toBe('TRKAB12CD34EF56');
  });
});

describe('business failures', () => {
  it('map domain errors to non-retryable ApplicationFailures of their type; others pass through', async () => {
    await expect(
      withBusinessFailures(() => Promise.reject(new OutOfStockError('A'))),
    ).rejects.toMatchObject({
      type: 'OutOfStock',
      nonRetryable: true,
      message: 'Not enough stock for A',
    });
    const transient = new Error('db down');
    await expect(withBusinessFailures(() => Promise.reject(transient))).rejects.toBe(transient);
  });
});
