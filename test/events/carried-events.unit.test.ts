import { publishingCarriedEvents } from '../../activities/events/carried-events';
import type { OrderEventDraft } from '../../contracts/events';

// A service's activities publish the saga events they carry before they run (the workflow
// counts them as published once the activity returned or failed for a business reason).

const draft = (sequence: number): OrderEventDraft => ({
  orderId: 'ord-9',
  sequence,
  type: 'OrderPlaced',
  occurredAt: '2026-01-01T00:00:00.000Z',
  data: {
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 'A', quantity: 1 }],
    shippingCountry: 'GB',
  },
});

function service(publish: (drafts: OrderEventDraft[]) => Promise<void>) {
  const log: string[] = [];
  const activities = publishingCarriedEvents(
    {
      reserve: (input: { orderId: string }) => {
        log.push(`reserve ${input.orderId}`);
        return Promise.resolve({ reserved: true });
      },
    },
    {
      publishOrderEvents: async (drafts) => {
        await publish(drafts);
        log.push(`published ${drafts.map((d) => d.sequence).join(',')}`);
      },
    },
  );
  return { activities, log };
}

it('publishes the carried events in one send, then runs the activity', async () => {
  const { activities, log } = service(() => Promise.resolve());
  await expect(activities.reserve({ orderId: 'ord-9' }, [draft(2), draft(3)])).resolves.toEqual({
    reserved: true,
  });
  expect(log).toEqual(['published 2,3', 'reserve ord-9']);
});

it('runs the activity alone when it carries nothing (orders started before the patch)', async () => {
  const { activities, log } = service(() => Promise.reject(new Error('not called')));
  await activities.reserve({ orderId: 'ord-9' });
  await activities.reserve({ orderId: 'ord-9' }, []);
  expect(log).toEqual(['reserve ord-9', 'reserve ord-9']);
});

it('a failed publish fails the attempt before the work (retried, nothing runs ahead of its events)', async () => {
  const { activities, log } = service(() => Promise.reject(new Error('broker unavailable')));
  await expect(activities.reserve({ orderId: 'ord-9' }, [draft(2)])).rejects.toThrow(
    'broker unavailable',
  );
  expect(log).toEqual([]);
});
