import { OrderView } from '../../contracts/read-models';
import { createOrderViewCache } from '../../api/reads/order-view-cache';
import { orderView } from './fakes';

// An order document is parsed with its contract once per version, for a short while.

describe('order view cache', () => {
  let clock = 0;
  let parses = 0;
  const parse = (doc: OrderView) => {
    parses += 1;
    return OrderView.parse(doc);
  };
  const cacheWith = (options: { maxEntries?: number } = {}) =>
    createOrderViewCache(parse, { ttlMs: 2_000, now: () => clock, ...options });
  /** A fresh copy, as each read from the database is. */
  const read = (doc: OrderView) => JSON.parse(JSON.stringify(doc)) as OrderView;
  beforeEach(() => {
    clock = 0;
    parses = 0;
  });

  it('parses a version once and serves it again, without storage fields', () => {
    const views = cacheWith();
    const doc = orderView({ orderId: 'ord_1', version: 3 });
    const first = views(read({ ...doc, _id: 'ord_1' } as OrderView));
    expect(first).toEqual(doc);
    expect(first).not.toHaveProperty('_id');
    expect(views(read(doc))).toBe(first);
    expect(parses).toBe(1);
  });

  it('parses again when the version or updatedAt changed, or the entry is 2 s old', () => {
    const views = cacheWith();
    const v3 = orderView({ orderId: 'ord_1', version: 3 });
    views(read(v3));
    const v4 = views(read({ ...v3, version: 4, status: 'COMPLETED' }));
    expect(v4.status).toBe('COMPLETED');
    views(read({ ...v3, version: 4, status: 'COMPLETED', updatedAt: '2026-02-02T00:00:00.000Z' }));
    expect(parses).toBe(3);
    clock = 1_999;
    views(read({ ...v3, version: 4, status: 'COMPLETED', updatedAt: '2026-02-02T00:00:00.000Z' }));
    expect(parses).toBe(3);
    clock = 5_000;
    views(read({ ...v3, version: 4, status: 'COMPLETED', updatedAt: '2026-02-02T00:00:00.000Z' }));
    expect(parses).toBe(4);
  });

  it('a document that breaks the contract fails on every read, even after a valid version', () => {
    const views = cacheWith();
    const valid = orderView({ orderId: 'ord_1', version: 3 });
    views(read(valid));
    const broken = { ...read(valid), version: 4, status: 'LOST' } as unknown as OrderView;
    expect(() => views(broken)).toThrow();
    expect(() => views(broken)).toThrow();
    expect(parses).toBe(3);
  });

  it('is bounded: the least recently stored order is dropped first', () => {
    const views = cacheWith({ maxEntries: 2 });
    for (const id of ['ord_a', 'ord_b', 'ord_c']) views(read(orderView({ orderId: id })));
    expect(parses).toBe(3);
    views(read(orderView({ orderId: 'ord_c' })));
    views(read(orderView({ orderId: 'ord_b' })));
    expect(parses).toBe(3);
    views(read(orderView({ orderId: 'ord_a' })));
    expect(parses).toBe(4);
  });
});
