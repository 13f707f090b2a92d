import { DomainError } from '../shared/business-failure';

export class UnknownSkuError extends DomainError {
  readonly type = 'UnknownSku';
  constructor(readonly skus: string[]) {
    super(`Unknown SKU(s): ${skus.join(', ')}`);
  }
}

export class OutOfStockError extends DomainError {
  readonly type = 'OutOfStock';
  constructor(readonly sku: string) {
    super(`Not enough stock for ${sku}`);
  }
}

/** A late attempt of a reservation that was already released (its order moved on). */
export class ReservationReleasedError extends DomainError {
  readonly type = 'ReservationReleased';
  constructor(readonly reservationId: string) {
    super(`Reservation ${reservationId} was released before it could be made`);
  }
}
