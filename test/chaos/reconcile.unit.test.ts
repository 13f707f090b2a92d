import { orderEventId } from '../../contracts/event-id';
import {
  checkServices,
  checkStock,
  checkTimeline,
  duplicates,
  type EventFacts,
  isContiguous,
  reconcile,
  type ReconcileInput,
  type ViewFacts,
} from './reconcile';

const TYPES = ['OrderPlaced', 'OrderPriced', 'InventoryReserved', 'PaymentCaptured'];

function events(orderId: string, types: string[]): EventFacts[] {
  return types.map((type, i) => ({
    id: orderEventId(orderId, i + 1),
    orderId,
    sequence: i + 1,
    type,
  }));
}

function view(orderId: string, status: string, types: string[], sku = 'A'): ViewFacts {
  return {
    orderId,
    status,
    items: [{ sku, quantity: 2 }],
    version: types.length,
    timeline: types.map((type, i) => ({ sequence: i + 1, type })),
  };
}

const completedTypes = [...TYPES, 'OrderCompleted'];
const cancelledTypes = ['OrderPlaced', 'OrderPriced', 'OrderCancelled'];

function healthy(): ReconcileInput {
  return {
    accepted: ['o1', 'o2', 'o1'],
    views: [view('o1', 'COMPLETED', completedTypes), view('o2', 'CANCELLED', cancelledTypes)],
    payments: [
      { orderId: 'o1', status: 'CAPTURED' },
      { orderId: 'o2', status: 'VOIDED' },
    ],
    reservations: [
      { orderId: 'o1', status: 'RESERVED' },
      { orderId: 'o2', status: 'RELEASED' },
    ],
    stock: [{ sku: 'A', initial: 10, available: 8, markers: 0 }],
    events: [
      ...events('o1', completedTypes),
      ...events('o1', ['OrderPlaced']), // a redelivery of event 1
      ...events('o2', cancelledTypes),
    ],
  };
}

describe('reconcile', () => {
  it('finds nothing wrong in a consistent system, and counts it', () => {
    const report = reconcile(healthy());
    expect(report.violations).toEqual([]);
    expect(report.counts).toMatchObject({
      accepted: 2,
      completed: 1,
      cancelled: 1,
      notFinal: 0,
      events: 8,
      redelivered: 1,
      captures: 1,
      unitsSold: 2,
    });
  });

  it('reports an accepted order that never became final or never reached the read model', () => {
    const input = healthy();
    input.accepted = ['o1', 'o2', 'o3'];
    input.views = [view('o1', 'PAYMENT_AUTHORIZED', TYPES), input.views[1]];
    const report = reconcile(input);
    expect(report.counts.notFinal).toBe(2);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        'o1: still PAYMENT_AUTHORIZED (v4)',
        'o3: accepted but not in the read model',
      ]),
    );
  });

  it('reports a double charge and a cancelled order left charged or reserved', () => {
    const input = healthy();
    input.payments = [
      { orderId: 'o1', status: 'CAPTURED' },
      { orderId: 'o1', status: 'REFUNDED' },
      { orderId: 'o2', status: 'CAPTURED' },
    ];
    input.reservations = [
      { orderId: 'o1', status: 'RESERVED' },
      { orderId: 'o2', status: 'RESERVED' },
    ];
    const v = reconcile(input).violations;
    expect(v).toContain('o1: charged 2 times');
    expect(v).toContain('o2: CANCELLED but still captured');
    expect(v).toContain('o2: CANCELLED but its stock is still reserved');
  });

  it('reports stock that does not match the completed orders', () => {
    const input = healthy();
    input.stock = [{ sku: 'A', initial: 10, available: 10, markers: 1 }];
    expect(reconcile(input).violations).toEqual([
      'A: 10 available, expected 10 - 2 sold',
      'A: 1 reservation marker(s) left',
    ]);
  });

  it('counts orders of the scenario SKUs that were never acknowledged', () => {
    const input = healthy();
    input.views = [...input.views, view('o9', 'COMPLETED', completedTypes)];
    input.stock = [{ sku: 'A', initial: 10, available: 6, markers: 0 }];
    const report = reconcile(input);
    expect(report.counts.unacknowledged).toBe(1);
    expect(report.violations).toEqual([]);
  });
});

describe('checkTimeline', () => {
  it('reports an event applied twice, a gap and a read model behind the topic', () => {
    const v = view('o1', 'COMPLETED', completedTypes);
    const twice = { ...v, timeline: [...v.timeline, { sequence: 2, type: 'OrderPriced' }] };
    expect(checkTimeline(twice, events('o1', completedTypes))).toContain(
      "o1: event(s) 2 twice in the read model's timeline",
    );
    const topic = events('o1', [...completedTypes, 'OrderPriced']);
    expect(checkTimeline(v, topic)).toEqual(['o1: read model at v5, topic at v6']);
    expect(checkTimeline(v, events('o1', completedTypes).slice(1))).toContain(
      'o1: topic sequences have a gap',
    );
  });

  it('reports one event id with two contents, and a final status without its event', () => {
    const v = view('o1', 'COMPLETED', completedTypes);
    const topic = events('o1', TYPES);
    topic.push({ ...topic[0], type: 'OrderCancelled' });
    const problems = checkTimeline({ ...v, version: 4, timeline: v.timeline.slice(0, 4) }, topic);
    expect(problems).toEqual([
      `o1: event id ${orderEventId('o1', 1)} carries different content on the topic`,
      'o1: COMPLETED but no OrderCompleted on the topic',
    ]);
  });
});

describe('checkServices', () => {
  it('wants exactly one capture for a completed order and no open payment', () => {
    const v = view('o1', 'COMPLETED', completedTypes);
    const e = events('o1', completedTypes);
    expect(checkServices(v, [], [{ orderId: 'o1', status: 'RESERVED' }], e)).toEqual([
      'o1: COMPLETED with 0 captures',
    ]);
    expect(
      checkServices(
        v,
        [{ orderId: 'o1', status: 'AUTHORIZED' }],
        [],
        events('o1', TYPES.slice(0, 3)),
      ),
    ).toEqual([
      'o1: COMPLETED with a payment still open',
      'o1: COMPLETED with 0 captures',
      'o1: COMPLETED without a PaymentCaptured event',
      'o1: COMPLETED with 0 held reservations',
    ]);
  });
});

describe('helpers', () => {
  it('duplicates and isContiguous', () => {
    expect(duplicates([1, 2, 2, 3, 3, 3])).toEqual([2, 3]);
    expect(isContiguous([2, 1, 3, 3])).toBe(true);
    expect(isContiguous([1, 3])).toBe(false);
    expect(isContiguous([])).toBe(true);
  });

  it('checkStock ignores orders that did not complete', () => {
    const views = [
      view('o1', 'CANCELLED', cancelledTypes),
      view('o2', 'COMPLETED', completedTypes),
    ];
    expect(checkStock([{ sku: 'A', initial: 5, available: 3, markers: 0 }], views)).toEqual([]);
  });
});
