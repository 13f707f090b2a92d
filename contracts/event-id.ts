import { createHash } from 'node:crypto';

// Kept apart from ./events.ts because workflow code imports that file and must not pull in
// node:crypto (Temporal's workflow sandbox has no Node builtins).

/** UUID namespace of order-saga domain events (a random v4 UUID fixed once, never change it). */
export const ORDER_EVENT_ID_NAMESPACE = '5b0c3f3e-8d6f-4e0b-9a51-2f7f0c6a9d41';

/** RFC 9562 UUIDv5: SHA-1 of namespace bytes + name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`invalid namespace UUID: ${namespace}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of an order's n-th event. Derived, not random, so a publish retried after a timeout
 * (which may already have reached the broker) carries the same id and consumers can tell.
 */
export const orderEventId = (orderId: string, sequence: number): string =>
  uuidV5(`${orderId}:${sequence}`, ORDER_EVENT_ID_NAMESPACE);
