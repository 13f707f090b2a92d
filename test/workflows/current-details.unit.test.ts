import { ORDER_EVENT_TYPES } from '../../contracts/events';
import { STATUS_AFTER_EVENT } from '../../contracts/order-status';
import { orderInput } from '../../testing/fake-services';
import { currentDetailsAfter, DESCRIBED_EVENTS } from '../../workflows/current-details';
import { initialOrderState } from '../../workflows/order-state';

// The current details are set from the event that sets the status (workflows/saga-run.ts): an
// event added to the status table without a description would leave the UI showing the status
// before it.

it('describes exactly the events that set the status', () => {
  const statusSetting = ORDER_EVENT_TYPES.filter((type) => STATUS_AFTER_EVENT[type] !== undefined);
  expect([...DESCRIBED_EVENTS].sort()).toEqual([...statusSetting].sort());
});

it('starts with the status, then says what the order waits for', () => {
  const state = { ...initialOrderState(orderInput()), trackingNumber: 'TRK-1' };
  expect(
    currentDetailsAfter('COMPLETED', { type: 'OrderCompleted', data: { total: 1 } }, state),
  ).toBe('COMPLETED — paid and shipped (tracking TRK-1); nothing awaited');
  expect(
    currentDetailsAfter('PENDING', { type: 'OrderApproved', data: { decidedBy: 'sam' } }, state),
  ).toBe('PENDING — approved by sam; reserving the stock');
  expect(
    currentDetailsAfter(
      'PENDING',
      { type: 'OrderApproved', data: { decidedBy: 'sam', note: 'known customer' } },
      state,
    ),
  ).toBe('PENDING — approved by sam ("known customer"); reserving the stock');
});

it('shortens a long failure message, so the line stays readable', () => {
  const details = currentDetailsAfter(
    'CANCELLED',
    { type: 'OrderCancelled', data: { reason: 'OUT_OF_STOCK', message: 'x'.repeat(1_000) } },
    initialOrderState(orderInput()),
  );
  expect(details).toMatch(/^CANCELLED — OUT_OF_STOCK: x{159}…; nothing awaited$/);
});

it('leaves the details alone for an event that does not set the status', () => {
  expect(
    currentDetailsAfter(
      'PENDING',
      { type: 'OrderPriced', data: { items: [], total: 0 } },
      initialOrderState(orderInput()),
    ),
  ).toBeUndefined();
});
