import { randomUUID } from 'node:crypto';
import type { ShippingActivities } from './api';
import { assertShippable, trackingNumber } from './destinations';
import { ShipmentCancelledError } from './errors';
import type { ShipmentStore } from './store';
import { mapBusinessFailures } from '../shared/business-failure';

export interface ShippingDeps {
  store: ShipmentStore;
  /** ISO country codes we ship to (env SHIPPING_COUNTRIES). */
  countries: readonly string[];
  /** Source of tracking-number randomness; tests pass a fixed one. */
  random?: () => string;
}

/** The shipping service's activities. */
export function createShippingActivities({
  store,
  countries,
  random = randomUUID,
}: ShippingDeps): ShippingActivities {
  return mapBusinessFailures<ShippingActivities>({
    async createShipment({ idempotencyKey: shipmentId, orderId, address }) {
      assertShippable(address.country, countries);
      const shipment = await store.createOnce({
        _id: shipmentId,
        orderId,
        status: 'CREATED',
        country: address.country,
        trackingNumber: trackingNumber(random),
      });
      if (shipment.status === 'CANCELLED' || !shipment.trackingNumber)
        throw new ShipmentCancelledError(shipmentId);
      return { shipmentId, trackingNumber: shipment.trackingNumber };
    },
    async cancelShipment({ shipmentId, orderId }) {
      const shipment = await store.cancel(shipmentId, orderId);
      return { cancelled: shipment.cancelled === true };
    },
  });
}
