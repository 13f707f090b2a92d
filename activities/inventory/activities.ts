import type { InventoryActivities } from './api';
import type { CatalogStore } from './catalog';
import { priceItems } from './pricing';
import type { ReservationStore } from './reservations';
import { mapBusinessFailures } from '../shared/business-failure';

export interface InventoryDeps {
  catalog: CatalogStore;
  reservations: ReservationStore;
}

/** The inventory service's activities; tests pass stores of their own. */
export function createInventoryActivities({
  catalog,
  reservations,
}: InventoryDeps): InventoryActivities {
  return mapBusinessFailures<InventoryActivities>({
    async priceOrder({ items }) {
      return priceItems(items, await catalog.unitPrices(items.map((i) => i.sku)));
    },
    reserveInventory: ({ idempotencyKey, orderId, items }) =>
      // The idempotency key is the reservation's id: the reservation document is the record.
      reservations.reserve(idempotencyKey, orderId, items),
    releaseInventory: ({ reservationId, orderId }) => reservations.release(reservationId, orderId),
  });
}
