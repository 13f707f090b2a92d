import { DomainError } from '../shared/business-failure';

/**
 * The inventory service's business failures: the `type` of the non-retryable ApplicationFailure
 * its activities end with. The saga's step table (workflows/saga-steps.ts) maps every one, so a
 * type added here and not mapped there does not compile.
 */
export const INVENTORY_FAILURE_TYPES = ['UnknownSku', 'OutOfStock', 'ReservationReleased'] as const;
export type InventoryFailureType = (typeof INVENTORY_FAILURE_TYPES)[number];

export class UnknownSkuError extends DomainError<InventoryFailureType> {
  readonly type = 'UnknownSku';
  constructor(readonly skus: string[]) {
    super(`Unknown SKU(s): ${skus.join(', ')}`);
  }
}

export class OutOfStockError extends DomainError<InventoryFailureType> {
  readonly type = 'OutOfStock';
  constructor(readonly sku: string) {
    super(`Not enough stock for ${sku}`);
  }
}

/** A late attempt of a reservation that was already released (its order moved on). */
export class ReservationReleasedError extends DomainError<InventoryFailureType> {
  readonly type = 'ReservationReleased';
  constructor(readonly reservationId: string) {
    super(`Reservation ${reservationId} was released before it could be made`);
  }
}
