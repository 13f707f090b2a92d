import type { OrderEventType } from './events';
import {
  EVENT_SCHEMA_VERSIONS,
  OrderApprovedV1,
  OrderCancelledV1,
  OrderPlacedV1,
  OrderRejectedV1,
  totalQuantity,
} from './events';

// Consumers read every version ever published: an upcaster lifts a payload from version n to
// n + 1, and chaining them brings any old payload to the current schema before it is validated
// and folded. Producers only ever emit the current version.

type Upcaster = (data: unknown) => unknown;

/** UPCASTERS[type][n] turns a version-n payload into a version n + 1 payload. */
export const UPCASTERS: Partial<Record<OrderEventType, Readonly<Record<number, Upcaster>>>> = {
  OrderPlaced: {
    // v2 added `totalQuantity`; for v1 events it is exactly what the producer derives today.
    1: (data) => {
      const v1 = OrderPlacedV1.parse(data);
      return { ...v1, totalQuantity: totalQuantity(v1.items) };
    },
  },
  // v2 added who decided and their note, both optional: a v1 event simply has none.
  OrderApproved: { 1: (data) => OrderApprovedV1.parse(data) },
  OrderRejected: { 1: (data) => OrderRejectedV1.parse(data) },
  OrderCancelled: { 1: (data) => OrderCancelledV1.parse(data) },
};

/** A payload version this consumer cannot read: newer than it knows, or a gap in the chain. */
export class UnsupportedSchemaVersionError extends Error {
  constructor(
    readonly type: OrderEventType,
    readonly version: number,
  ) {
    super(
      `${type} schema version ${version} is not supported (current is ${EVENT_SCHEMA_VERSIONS[type]})`,
    );
    this.name = 'UnsupportedSchemaVersionError';
  }
}

/** Brings a payload of `version` to the current schema version of `type` (not yet validated). */
export function upcast(type: OrderEventType, version: number, data: unknown): unknown {
  const current = EVENT_SCHEMA_VERSIONS[type];
  if (!Number.isInteger(version) || version < 1 || version > current) {
    throw new UnsupportedSchemaVersionError(type, version);
  }
  let lifted = data;
  for (let v = version; v < current; v++) {
    const step = UPCASTERS[type]?.[v];
    if (!step) throw new UnsupportedSchemaVersionError(type, version);
    lifted = step(lifted);
  }
  return lifted;
}
