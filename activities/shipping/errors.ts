import { DomainError } from '../shared/business-failure';

/**
 * The shipping service's business failures: the `type` of the non-retryable ApplicationFailure
 * its activities end with. The saga's step table (workflows/saga-steps.ts) maps every one, so a
 * type added here and not mapped there does not compile.
 */
export const SHIPPING_FAILURE_TYPES = ['ShippingUnavailable', 'ShipmentCancelled'] as const;
export type ShippingFailureType = (typeof SHIPPING_FAILURE_TYPES)[number];

export class ShippingUnavailableError extends DomainError<ShippingFailureType> {
  readonly type = 'ShippingUnavailable';
  constructor(readonly country: string) {
    super(`We do not ship to ${country}`);
  }
}

/** A late attempt of a shipment that was already cancelled (its order moved on). */
export class ShipmentCancelledError extends DomainError<ShippingFailureType> {
  readonly type = 'ShipmentCancelled';
  constructor(readonly shipmentId: string) {
    super(`Shipment ${shipmentId} was cancelled before it could be created`);
  }
}
