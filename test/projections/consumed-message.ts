import type { OrderEvent } from '../../contracts/event-envelope';
import { toEventMessage } from '../../contracts/event-envelope';
import type { ConsumedMessage } from '../../projections/runtime/process-batch';

/** `event` as the projector receives it from Kafka at `offset`. */
export const consumedMessage = (event: OrderEvent, offset: number): ConsumedMessage => {
  const m = toEventMessage(event);
  return {
    offset: String(offset),
    key: Buffer.from(m.key),
    value: Buffer.from(m.value),
    headers: m.headers,
  };
};
