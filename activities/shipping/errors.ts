import { DomainError } from '../shared/business-failure';

export class ShippingUnavailableError extends DomainError {
  readonly type = 'ShippingUnavailable';
  constructor(readonly country: string) {
    super(`We do not ship to ${country}`);
  }
}

/** A late attempt of a shipment that was already cancelled (its order moved on). */
export class ShipmentCancelledError extends DomainError {
  readonly type = 'ShipmentCancelled';
  constructor(readonly shipmentId: string) {
    super(`Shipment ${shipmentId} was cancelled before it could be created`);
  }
}
