import type { InventoryActivities } from './api';
import { priceItems } from './pricing';
import type { InventoryStore } from './store';
import { mapBusinessFailures } from '../shared/business-failure';

export interface InventoryDeps {
  store: InventoryStore;
}

/** The inventory service's activities; tests pass a store of their own. */
export function createInventoryActivities({ store }: InventoryDeps): InventoryActivities {
  return mapBusinessFailures<InventoryActivities>({
    async priceOrder({ items }) {
      return priceItems(items, await store.unitPrices(items.map((i) => i.sku)));
    },
    reserveInventory: ({ idempotencyKey, orderId, items }) =>
      // The idempotency key is the reservation's id: the reservation document is the record.
      store.reserve(idempotencyKey, orderId, items),
    releaseInventory: ({ reservationId, orderId }) => store.release(reservationId, orderId),
  });
}
