import { ORDER_STATUSES } from '../../contracts/order';
import { SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { guideLink, guideLinks, linkFor } from './support-guide';

// docs/support.md's links are what support clicks: each must be the query the guide shows
// under it, and name statuses and search attributes that exist. (The browser test opens two.)

const links = guideLinks();

it('has a list link for each question support asks', () => {
  expect(links.map((l) => l.label)).toEqual([
    'Orders awaiting approval',
    'Orders whose compensation failed',
    "A customer's orders since midnight (UTC)",
    "Orders awaiting the payment provider's confirmation",
  ]);
});

it.each(links.map((l) => [l.label, l] as const))('%s: the link is the query shown', (_, link) => {
  expect(link.query).toBe(link.shownQuery);
  expect(link.url.href).toMatch(/^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\?/);
});

it('filters on statuses and search attributes that exist', () => {
  for (const { query } of links) {
    for (const [, status] of query.matchAll(/OrderStatus="([^"]*)"/g))
      expect(ORDER_STATUSES).toContain(status);
    for (const [, name] of query.matchAll(/(\w+)\s*(?:=|>=|<=|>|<)/g))
      expect([...Object.keys(SEARCH_ATTRIBUTES), 'StartTime']).toContain(name);
  }
});

it("rewrites a link for another UI, namespace, customer and day, and refuses one it can't", () => {
  const customer = guideLink("A customer's orders since midnight (UTC)", links);
  const url = new URL(
    linkFor(customer, {
      ui: 'http://127.0.0.1:40123/',
      namespace: 'ns-1',
      customerId: 'bob',
      day: '2030-01-02',
    }),
  );
  expect(url.origin + url.pathname).toBe('http://127.0.0.1:40123/namespaces/ns-1/workflows');
  expect(url.searchParams.get('query')).toBe(
    'CustomerId="bob" AND StartTime >= "2030-01-02T00:00:00Z"',
  );
  const approval = guideLink('Orders awaiting approval', links);
  expect(() => linkFor(approval, { ui: 'http://x', namespace: 'n', customerId: 'bob' })).toThrow(
    /has no CustomerId/,
  );
});
